"""The public report verification page (README: "Mandates and compliance"): anyone holding a
court report can check, without signing in, that a report with its number was issued, when and
by which agency, and compare the SHA-256 fingerprint printed on it.

It shows nothing else: no name, no case, no attendance. A number is 60 random bits
(mandates.court_report.new_number), and lookups are limited per client address
(REPORT_VERIFY_LOOKUPS per REPORT_VERIFY_WINDOW_SECONDS, counted in the shared cache by
access.throttles.take), so numbers cannot be found by trying. With the cache unreachable the
lookup is not made (the site's outage answer, 503): like sign-ins, guessing is never unlimited.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from access.limits import client_address
from access.throttles import Rate, take
from mandates.court_report import normalize_number
from mandates.models import CourtReport


def _lookup_wait(request: HttpRequest) -> int | None:
    """Take a ticket for one lookup from the client's address: None when allowed, else the
    seconds until the window ends."""
    rate = Rate(settings.REPORT_VERIFY_LOOKUPS, settings.REPORT_VERIFY_WINDOW_SECONDS)
    return take(f"report-verify:address:{client_address(request)}", rate)


def _private(response: HttpResponse) -> HttpResponse:
    # Not for search engines or shared caches: the page answers one person holding the paper.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
@never_cache
def verify_form(request: HttpRequest) -> HttpResponse:
    """A box to type the number printed on the report; ?number= goes to its page."""
    typed = request.GET.get("number", "").strip()
    if typed:
        number = normalize_number(typed)
        if number is not None:
            return redirect("attendee:verify_report", number=number)
        return _private(render(request, "verify/form.html", {"typed": typed, "invalid": True}, status=400))
    return _private(render(request, "verify/form.html", {}))


@require_safe
@never_cache
def verify_report(request: HttpRequest, number: str) -> HttpResponse:
    """Whether the report was issued: its number, when, by which agency, and its digest; else
    "No such report" (404). Over the limit: 429 with Retry-After, and no lookup."""
    wait = _lookup_wait(request)
    if wait is not None:
        response = render(request, "verify/too_many.html", {"wait_minutes": -(-wait // 60)}, status=429)
        response["Retry-After"] = str(wait)
        return _private(response)
    normalized = normalize_number(number)
    report = None
    if normalized is not None:
        report = (
            CourtReport.objects.filter(number=normalized).only("number", "issued_at", "agency_name", "digest").first()
        )
    if report is None:
        return _private(render(request, "verify/not_found.html", {"number": number[:40]}, status=404))
    if normalized != number:
        return redirect("attendee:verify_report", number=normalized)
    return _private(render(request, "verify/report.html", {"report": report}))
