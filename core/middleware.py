"""Refuse, at the door, input that no field can hold.

PostgreSQL's text columns cannot contain the NUL character (U+0000): a NUL in a path id, a
query parameter or a form field reached the database as `DataError` and answered 500 with a
traceback in the log, for anyone, signed in or not. No identifier, search or form value here
can legitimately contain one, so a request carrying one is answered at once: 404 for a path
(it names nothing), 400 naming the parameter or field otherwise. JSON bodies are checked by
their parser and fields (api/parsers.py, DRF's CharField).

Lone surrogates and malformed UTF-8 cannot reach this far in a path, a query string or a form
body: Django re-escapes broken bytes in paths and replaces them in parameters.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render

from core.error_pages import API_PREFIX, page_not_found

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _with_nul(parameters: QueryDict) -> str | None:
    """The first parameter name whose name or a value contains NUL, if any."""
    for name, values in parameters.lists():
        if NUL in name or any(isinstance(value, str) and NUL in value for value in values):
            return name.replace(NUL, "\\0")
    return None


class RefuseNulCharacters:
    """Answers 404 for a NUL in the path and 400 for one in the query string or a form body,
    before any view (or the admin, or a filter) hands it to the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            return page_not_found(request)
        name = _with_nul(request.GET)
        # The API reads JSON only (its parser refuses a form with 415, and its fields refuse a
        # NUL); reading a multipart form here would leave its parser an empty stream.
        form = request.method == "POST" and request.content_type in FORM_TYPES
        if name is None and form and not request.path.startswith(API_PREFIX):
            name = _with_nul(request.POST)
        if name is not None:
            return _refused(request, name)
        return self.get_response(request)


def _refused(request: HttpRequest, name: str) -> HttpResponse:
    message = "Must not contain the NUL character."
    if request.path.startswith(API_PREFIX):
        body = {"detail": "Invalid input.", "code": "invalid", "errors": {name: [message]}}
        return JsonResponse(body, status=400)
    return render(request, "errors/400.html", {"field": name, "message": message}, status=400)
