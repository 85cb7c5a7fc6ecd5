"""An issued court report as a PDF (WeasyPrint), drawn offline from its stored content.

Nothing is fetched from the network while a report is drawn: the stylesheet is read from the
project's static files, the logo (REPORT_LOGO_PATH) and the QR code are embedded in the HTML,
and the fetcher below refuses anything that is not a data: URL or a file under the static
directories. Fonts are Debian's (fonts-dejavu-core), found by fontconfig through pango.
"""

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from core.links import public_url
from core.qr import SVG_DECLARATION, render_qr_svg
from mandates.court_report import document
from mandates.models import CourtReport

STYLESHEETS = ("css/court-report.css", "css/court-report-print.css")


class LocalFilesOnly(URLFetcher):
    """data: URLs, and files under the static directories; every other address is refused
    (WeasyPrint then leaves the resource out and logs it)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url: str, headers: dict | None = None):  # noqa: ANN201 (WeasyPrint's response type)
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(Path(root).resolve()) for root in settings.STATICFILES_DIRS):
                raise ValueError(f"not a static file: {url}")
        return super().fetch(url, headers)


def verification_url(report: CourtReport, request: HttpRequest | None = None) -> str:
    """The public address that confirms the report (core.links.public_url)."""
    return public_url(reverse("attendee:verify_report", args=[report.number]), request)


def logo_data_uri() -> str | None:
    """REPORT_LOGO_PATH embedded as a data: URI, or None without a logo."""
    if not settings.REPORT_LOGO_PATH:
        return None
    path = Path(settings.REPORT_LOGO_PATH)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{media_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data: URI, for an <img> sized by CSS on screen and on paper
    (the site's policy allows data: images; an inline <svg> keeps its own size in WeasyPrint)."""
    svg = SVG_DECLARATION + render_qr_svg(url)
    return f"data:image/svg+xml;base64,{base64.b64encode(svg.encode('utf-8')).decode('ascii')}"


def document_context(report: CourtReport, request: HttpRequest | None = None) -> dict:
    """What the report's templates need: the document, its verification address and QR code,
    and the letterhead's logo."""
    url = verification_url(report, request)
    return {
        "doc": document(report),
        "report": report,
        "verify_url": url,
        "qr_data_uri": qr_data_uri(url),
        "logo": logo_data_uri(),
    }


def _static(path: str) -> Path:
    for root in settings.STATICFILES_DIRS:
        candidate = Path(root) / path
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(path)


def render_pdf(report: CourtReport, request: HttpRequest | None = None) -> bytes:
    """The report as PDF bytes (US Letter, page numbers "Page 2 of 5"). Without a
    request, the verification address needs PUBLIC_BASE_URL (core.links.public_url)."""
    html = render_to_string("mandates/report_pdf.html", document_context(report, request))
    fetcher = LocalFilesOnly()
    static_root = _static(STYLESHEETS[0]).parent.parent
    stylesheets = [CSS(filename=str(_static(name)), url_fetcher=fetcher) for name in STYLESHEETS]
    return HTML(string=html, base_url=static_root.as_uri() + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=stylesheets
    )
