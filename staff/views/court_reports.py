"""Court reports for a mandate (README: "Mandates and compliance"): choose the dates, issue
(mandates.court_report.issue records it), then read the issued report as HTML, PDF or CSV,
each drawn from its stored content, so all three say what its digest covers."""

from collections.abc import Iterator

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from attendance.reports import at_place
from core.csv_files import Cell, csv_file
from core.decorators import staff_view
from mandates.court_report import ReportError, default_dates, document, document_context, issue
from mandates.models import CourtReport, Mandate

VIEW_MANDATE, ISSUE, VIEW = "mandates.view_mandate", "mandates.add_courtreport", "mandates.view_courtreport"


class ReportDatesForm(forms.Form):
    covers_from = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    covers_to = forms.DateField(
        label="Last day", widget=forms.DateInput(attrs={"type": "date"}), help_text="Both days are included."
    )


def _mandate(pk: str) -> Mandate:
    return get_object_or_404(Mandate.objects.select_related("contact", "jurisdiction"), pk=pk)


def _form_page(request: HttpRequest, mandate: Mandate, form: ReportDatesForm, status: int = 200) -> HttpResponse:
    issued = mandate.reports.select_related("issued_by").order_by("-issued_at")[:20]
    context = {
        "section": "mandates",
        "mandate": mandate,
        "form": form,
        "issued": issued if request.user.has_perm(VIEW) else None,
    }
    return render(request, "mandates/report_form.html", context, status=status)


@require_safe
@staff_view(VIEW_MANDATE, ISSUE)
def report_form(request: HttpRequest, pk: str) -> HttpResponse:
    """The dates to report on: the whole mandate up to today, unless changed."""
    mandate = _mandate(pk)
    covers_from, covers_to = default_dates(mandate)
    return _form_page(request, mandate, ReportDatesForm(initial={"covers_from": covers_from, "covers_to": covers_to}))


@require_POST
@staff_view(VIEW_MANDATE, ISSUE)
def issue_report(request: HttpRequest, pk: str) -> HttpResponse:
    """Issue and record the report, then show it; bad dates: the form again (400), nothing recorded."""
    mandate = _mandate(pk)
    form = ReportDatesForm(request.POST)
    if not form.is_valid():
        return _form_page(request, mandate, form, status=400)
    try:
        report = issue(mandate, form.cleaned_data["covers_from"], form.cleaned_data["covers_to"], by=request.user)
    except ReportError as error:
        form.add_error(error.context.get("field"), error.detail)
        return _form_page(request, mandate, form, status=400)
    return redirect("mandates:report_detail", number=report.number)


def _report(number: str) -> CourtReport:
    return get_object_or_404(CourtReport.objects.select_related("mandate"), number=number)


@require_safe
@staff_view(VIEW)
def report_detail(request: HttpRequest, number: str) -> HttpResponse:
    report = _report(number)
    context = document_context(report, request) | {"section": "mandates", "mandate": report.mandate}
    return render(request, "mandates/report_detail.html", context)


@require_safe
@staff_view(VIEW)
def report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    # Here only: WeasyPrint loads pango when imported (mandates/pdf.py).
    from mandates.pdf import render_pdf

    report = _report(number)
    response = HttpResponse(render_pdf(report, request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.number}.pdf"'
    return response


CSV_HEADER = [
    "Date",
    "Meeting",
    "Address",
    "Time zone",
    "Scheduled start",
    "Scheduled end",
    "Check-in",
    "Check-in position",
    "Check-out",
    "Ended",
    "Minutes attended",
    "Minutes scheduled",
    "Outcome",
    "Reasons",
    "Counts toward the order",
    "Period",
    "Distance (m)",
    "Accuracy (m)",
    "Session id",
]


def csv_rows(report: CourtReport) -> Iterator[list[Cell]]:
    """The header block (what the report is), a blank line, the column names, then one row per
    session. Moments are in each meeting's zone, with their UTC offset."""
    doc = document(report)
    yield ["Court-ordered meeting attendance report"]
    for label, value in (
        ("Report number", doc.number),
        ("SHA-256", report.digest),
        ("Case number", doc.case_number),
        ("Ordering authority", doc.ordering_authority),
        ("Participant", doc.contact["name"]),
        ("Requirement", doc.requirement),
        ("Covers", f"{doc.covers_from} to {doc.covers_to}"),
        ("Status when issued", doc.status["label"]),
        ("Issued at (UTC)", doc.content["issued_at"]),
        ("Issued by", f"{doc.prepared_by['name']}, {doc.agency['name']}"),
    ):
        yield [label, value]
    for period in doc.periods:
        yield [
            f"Period {period['number']}",
            f"{period['starts_on']} to {period['ends_on']}: "
            f"{period['attended']} of {period['required']}, {period['status_label']}",
        ]
    yield []
    yield CSV_HEADER
    for s in doc.sessions:
        zone = s["time_zone"]
        yield [
            s["date"].isoformat(),
            s["meeting"],
            s["address"],
            zone,
            at_place(s["scheduled_start"], zone),
            at_place(s["scheduled_end"], zone),
            at_place(s["check_in"], zone),
            s["check_in_position"],
            at_place(s["check_out"], zone),
            at_place(s["ended"], zone),
            s["minutes_attended"],
            s["minutes_scheduled"],
            s["outcome_label"],
            "; ".join(s["reasons"]),
            "yes" if s["counts"] else "no",
            s["period"],
            s["distance_m"],
            s["accuracy_m"],
            s["id"],
        ]


@require_safe
@staff_view(VIEW)
def report_csv(request: HttpRequest, number: str) -> HttpResponse:
    report = _report(number)
    rows = csv_rows(report)
    first = next(rows)
    response = StreamingHttpResponse(csv_file(first, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.number}.csv"'
    return response
