"""An issued court report as a PDF (WeasyPrint), drawn offline from its stored content.

Nothing is fetched from the network while a report is drawn: the stylesheet is read from the
project's static files, the logo (REPORT_LOGO_PATH) and the QR code are embedded in the HTML,
and the fetcher below refuses anything that is not a data: URL or a file under the static
directories. Fonts are Debian's (fonts-dejavu-core), found by fontconfig through pango.

WeasyPrint needs pango (libpango-1.0-0, libpangoft2-1.0-0) and, from its next versions,
libharfbuzz-subset0: import this module only where a PDF is drawn, so that the rest of the
site runs on a machine without them.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from mandates.court_report import document_context
from mandates.models import CourtReport

STYLESHEETS = ("css/court-report.css", "css/court-report-print.css")


class LocalFilesOnly(URLFetcher):
    """data: URLs, and files under the static directories; every other address is refused
    (WeasyPrint then leaves the resource out and logs it)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(Path(root).resolve()) for root in settings.STATICFILES_DIRS):
                raise ValueError(f"not a static file: {url}")
        return super().fetch(url, headers)


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
