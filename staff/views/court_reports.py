"""Court reports for a mandate (README: "Mandates and compliance"). Being written."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, pk: str | None = None, number: str | None = None) -> HttpResponse:
    raise NotImplementedError


report_form = issue_report = report_detail = report_pdf = report_csv = _todo
