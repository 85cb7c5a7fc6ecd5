"""What a person or an API client sees when a request fails outside a view's own handling.

Under /api/ every answer is JSON with `detail` and `code`, as the API's own errors are (a
client parsing JSON must never get an HTML page); elsewhere a page in the site's style that
says what to do. The 500 page is rendered without the request's context: whatever broke may
be what a context processor needs.

A database (or shared cache) that cannot be reached is an outage, not a bug
(core/outages.py): those requests get 503 with Retry-After at once, so that phones and
API clients retry instead of giving up.
"""

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from core.outages import is_outage

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 10

MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Something went wrong on our side; it has been logged. Try again in a moment."),
    503: ("service_unavailable", "The service cannot reach its database right now; try again shortly."),
}


def _api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status: int) -> JsonResponse:
    code, detail = MESSAGES[status]
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json(400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json(403)
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json(404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this handler while handling the exception, so it is still current here.
    if is_outage(sys.exc_info()[1]):
        return service_unavailable(request)
    if _api(request):
        return _json(500)
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    if _api(request):
        response = _json(503)
    else:
        response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
