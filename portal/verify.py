"""The public report verification page (README: "Mandates and compliance"). Being written."""

from django.http import HttpRequest, HttpResponse


def verify_report(request: HttpRequest, number: str) -> HttpResponse:
    raise NotImplementedError


def verify_form(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
