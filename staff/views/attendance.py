"""Staff pages for attendance: the sessions list (and its events as CSV), a session's evidence,
ending a session, and the attendance report (page and CSV)."""

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from attendance import outcomes, reports
from attendance.models import Session
from attendance.reports import EventEvidence
from attendance.services import AttendanceError, end_session_by_staff
from core.csv_files import csv_file
from core.decorators import staff_view
from core.history import changes_for
from core.pagination import CappedPaginator
from staff.caseloads import caseload_for
from staff.forms.attendance import EndSessionForm, ReportForm, SessionFilterForm

SESSIONS_PER_PAGE = 50


@require_GET
@staff_view("attendance.view_session")
def session_list(request: HttpRequest) -> HttpResponse:
    form = SessionFilterForm(request.GET)
    # A list narrowed to one contact (a link from their page) shows their sessions, whoever's they are.
    caseload = caseload_for(request, default_mine=not request.GET.get("contact"))
    page = None
    if form.is_valid():
        sessions = form.filter(Session.objects.all())
        if caseload.mine:
            sessions = sessions.filter(contact__case_manager=caseload.user_id)
        ids = sessions.order_by("-created_at", "-id").values_list("pk", flat=True)
        page = CappedPaginator(ids, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = reports.sessions_for_page(list(page.object_list))
        for session in page:
            session.contact_url = reverse("contacts:detail", args=[session.contact_id])
    filtered = any(value for key, value in request.GET.items() if key not in ("page", "caseload"))
    return render(
        request,
        "attendance/session_list.html",
        {"section": "attendance", "form": form, "page_obj": page, "filtered": filtered, "caseload": caseload},
    )


@require_GET
@staff_view("attendance.view_session", "attendance.view_sessionevent")
def events_csv(request: HttpRequest) -> HttpResponse:
    """Every event of the sessions the list's filters select, streamed a chunk at a time."""
    form = SessionFilterForm(request.GET)
    if not form.is_valid():
        # The list shows the same filters with their errors.
        messages.error(request, "The events could not be exported: correct the filters below.")
        return redirect(f"{reverse('attendance:sessions')}?{request.GET.urlencode()}")
    sessions = form.filter(Session.objects.all())
    # The same sessions as the list the export was started from.
    caseload = caseload_for(request, default_mine=not request.GET.get("contact"))
    if caseload.mine:
        sessions = sessions.filter(contact__case_manager=caseload.user_id)
    rows = reports.iter_event_rows(sessions)
    response = StreamingHttpResponse(csv_file(reports.EVENTS_CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="events-{timezone.localdate()}.csv"'
    return response


def deciding_events(evidence: list[EventEvidence]) -> tuple[EventEvidence | None, EventEvidence | None]:
    """The check-in and check-out the session's attendance rests on (attendance.outcomes.deciding_events)."""
    check_in, check_out = outcomes.deciding_events([item.event for item in evidence])
    by_event = {id(item.event): item for item in evidence}
    return by_event.get(id(check_in)), by_event.get(id(check_out))


@require_GET
@staff_view("attendance.view_session")
def session_detail(request: HttpRequest, session_id: str) -> HttpResponse:
    session = get_object_or_404(
        Session.objects.with_events().select_related("policy_version__jurisdiction", "destination_approved_by"),
        pk=session_id,
    )
    evidence = reports.evidence_for(session)
    check_in, check_out = deciding_events(evidence)
    context = {
        "section": "attendance",
        "session": session,
        "events": evidence,
        "check_in": check_in,
        "check_out": check_out,
        "refused_attempts": list(session.refused_attempts.all()),
        "attended": _seconds(session.attendance.seconds_attended),
        # Stored when the session closes; while it runs, its occurrence's length (Session.attendance).
        "scheduled": _seconds(session.attendance.seconds_scheduled),
        "contact_url": reverse("contacts:detail", args=[session.contact_id]),
        "meeting_url": reverse("meetings:detail", args=[session.meeting_id]) if session.meeting_id else None,
        "destination_map_url": reports.map_url(session.dest_lat, session.dest_lng),
        "changes": changes_for(session),
    }
    return render(request, "attendance/session_detail.html", context)


@require_http_methods(["GET", "POST"])
@staff_view("attendance.change_session")
def session_end(request: HttpRequest, session_id: str) -> HttpResponse:
    """Confirm and end an open session with a reason (attendance.services.end_session_by_staff)."""
    session = get_object_or_404(Session.objects.select_related("contact"), pk=session_id)
    form = EndSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            end_session_by_staff(session.id, reason=form.cleaned_data["reason"], staff_member=request.user)
        except AttendanceError as error:
            if error.code == AttendanceError.INVALID_TRANSITION:
                messages.error(request, "This session is already closed; nothing was changed.")
            else:
                messages.error(request, error.detail)
        else:
            messages.success(request, "The session was ended. The reason is recorded with its events.")
        return redirect("attendance:session", session_id=session.id)
    return render(request, "attendance/session_end.html", {"section": "attendance", "session": session, "form": form})


@require_GET
@staff_view("attendance.view_session", "contacts.view_contact")
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET or None, initial=_default_period())
    result = None
    if form.is_bound and form.is_valid():
        result = reports.build_report(form.cleaned_data["contact"], form.period, _user_name(request))
    context = {
        "section": "attendance",
        "form": form,
        "report": result,
        "contact_url": reverse("contacts:detail", args=[result.contact.id]) if result else None,
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "attendance/report.html", context)


@require_GET
@staff_view("attendance.view_session", "contacts.view_contact")
def report_csv(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET)
    if not form.is_valid():
        # The page shows the same form with its errors.
        messages.error(request, "The report could not be exported: correct the form below.")
        return redirect(f"{reverse('attendance:report')}?{request.GET.urlencode()}")
    contact, period = form.cleaned_data["contact"], form.period
    rows = reports.iter_report_rows(contact, period)
    response = StreamingHttpResponse(reports.csv_lines(contact, rows), content_type="text/csv; charset=utf-8")
    name = slugify(contact.full_name or contact.email) or "contact"
    response["Content-Disposition"] = f'attachment; filename="attendance-{name}-{period.start}-{period.end}.csv"'
    return response


def _seconds(value: int | None) -> dt.timedelta | None:
    return None if value is None else dt.timedelta(seconds=value)


def _default_period() -> dict:
    today = timezone.localdate()
    return {"start": today.replace(day=1), "end": today}


def _user_name(request: HttpRequest) -> str:
    user = request.user
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()
