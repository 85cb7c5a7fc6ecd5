"""Staff pages for mandates (README: "Mandates and compliance"). Being written."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, pk: str | None = None) -> HttpResponse:
    raise NotImplementedError


mandate_list = mandate_create = mandate_detail = mandate_edit = mandate_end = mandate_delete = _todo
