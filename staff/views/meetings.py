"""Staff pages for meetings: list, create, edit, deactivate, the QR code and its poster, the calendar file."""

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from core import qr
from core.decorators import staff_view
from core.history import changes_for
from core.pagination import CappedPaginator
from core.races import save_form
from meetings.calendar import calendar_filename, meeting_calendar
from meetings.models import Meeting
from meetings.occurrences import next_occurrences
from staff.forms.meetings import MeetingFilterForm, MeetingForm
from staff.views import activation
from staff.views.occurrences import upcoming_context

PAGE_SIZE = 50
RECENT_SESSIONS = 20


@staff_view("meetings.view_meeting")
def meeting_list(request: HttpRequest) -> HttpResponse:
    filters = MeetingFilterForm(request.GET)
    # Latest first, meetings without a time last; the id keeps pages stable when names tie.
    meetings = (
        filters.filter(Meeting.objects.all())
        .prefetch_related("cancellations", "kinds")  # each row's schedule in words, and its kinds
        .order_by(F("start_time").desc(nulls_last=True), "name", "id")
    )
    page = CappedPaginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/list.html", {"section": "meetings", "filters": filters, "page_obj": page})


@staff_view("meetings.add_meeting")
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = str(request.user.pk)
        meeting = save_form(form)
        if meeting is not None:
            messages.success(request, f"Meeting “{meeting}” created. Print its QR poster for the venue.")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/form.html", {"section": "meetings", "form": form, "meeting": None})


@staff_view("meetings.view_meeting")
def meeting_detail(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_object_or_404(
        Meeting.objects.select_related("jurisdiction").prefetch_related("cancellations", "kinds"), pk=pk
    )
    context = {
        "section": "meetings",
        "meeting": meeting,
        "qr_svg": _inline_qr(meeting, request),
        "checkin_url": meeting.checkin_url(request) if meeting.qr_code else None,
        "changes": changes_for(meeting),
        **upcoming_context(meeting, actions=True),
    }
    # Who attended is attendance data: only for those who may see sessions.
    if request.user.has_perm("attendance.view_session"):
        sessions = list(meeting.sessions.select_related("contact").order_by("-created_at", "-id")[:RECENT_SESSIONS])
        context["sessions"] = sessions
        context["session_count"] = meeting.sessions.count() if len(sessions) == RECENT_SESSIONS else len(sessions)
    return render(request, "meetings/detail.html", context)


@staff_view("meetings.change_meeting")
def meeting_edit(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect("meetings:detail", pk=meeting.pk)
        if save_form(form) is not None:
            messages.success(request, f"Changes to “{meeting}” saved.")
            return redirect("meetings:detail", pk=meeting.pk)
    context = {"section": "meetings", "form": form, "meeting": meeting, **upcoming_context(meeting, actions=False)}
    return render(request, "meetings/form.html", context)


@staff_view("meetings.change_meeting")
def meeting_deactivate(request: HttpRequest, pk: str) -> HttpResponse:
    """GET asks for confirmation; POST deactivates. The meeting is kept: its sessions are evidence."""
    meeting = get_object_or_404(Meeting, pk=pk)
    return activation.deactivate(
        request,
        meeting,
        detail="meetings:detail",
        template="meetings/confirm_deactivate.html",
        context={"section": "meetings", "meeting": meeting},
        done=f"“{meeting}” deactivated: attendees no longer find it or check in with its QR code.",
    )


@require_POST
@staff_view("meetings.change_meeting")
def meeting_reactivate(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    return activation.reactivate(
        request,
        meeting,
        detail="meetings:detail",
        done=f"“{meeting}” is active again; its QR code checks people in again.",
    )


@staff_view("meetings.change_meeting")
def meeting_rotate_qr(request: HttpRequest, pk: str) -> HttpResponse:
    """GET asks for confirmation; POST replaces the QR code."""
    meeting = get_object_or_404(Meeting, pk=pk)
    if request.method == "POST":
        meeting.rotate_qr_code()
        messages.success(
            request,
            f"“{meeting}” has a new QR code. Posters printed before now no longer work: print and put up the new one.",
        )
        return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/confirm_rotate_qr.html", {"section": "meetings", "meeting": meeting})


@staff_view("meetings.view_meeting")
def meeting_qr_svg(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_with_qr(pk)
    response = HttpResponse(
        qr.SVG_DECLARATION + qr.render_qr_svg(meeting.checkin_url(request)), content_type="image/svg+xml"
    )
    response["Content-Disposition"] = content_disposition_header(True, _qr_filename(meeting, "svg"))
    return response


@staff_view("meetings.view_meeting")
def meeting_qr_png(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_with_qr(pk)
    response = HttpResponse(qr.render_qr_png(meeting.checkin_url(request)), content_type="image/png")
    response["Content-Disposition"] = content_disposition_header(True, _qr_filename(meeting, "png"))
    return response


@staff_view("meetings.view_meeting")
def meeting_poster(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_with_qr(pk)
    return render(
        request,
        "meetings/poster.html",
        {
            "section": "meetings",
            "meeting": meeting,
            "qr_svg": _inline_qr(meeting, request),
            "next_occurrences": next_occurrences(meeting, timezone.now(), 4) if meeting.recurrence else [],
        },
    )


@require_safe
@staff_view("meetings.view_meeting")
def meeting_calendar_ics(request: HttpRequest, pk: str) -> HttpResponse:
    """The meeting as an .ics file (meetings.calendar), linking back to this page."""
    meeting = get_object_or_404(Meeting, pk=pk)
    url = request.build_absolute_uri(reverse("meetings:detail", args=[meeting.pk]))
    response = HttpResponse(meeting_calendar(meeting, url=url), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, calendar_filename(meeting))
    return response


def _meeting_with_qr(pk: str) -> Meeting:
    # Legacy rows may have no QR code; a code for ".../q/None" would be a poster that never works.
    return get_object_or_404(Meeting.objects.exclude(qr_code=None).exclude(qr_code=""), pk=pk)


def _inline_qr(meeting: Meeting, request: HttpRequest) -> str | None:
    if not meeting.qr_code:
        return None
    # Safe: the markup is generated here from module positions; no text from the meeting is in it.
    return mark_safe(qr.render_qr_svg(meeting.checkin_url(request)))  # noqa: S308


def _qr_filename(meeting: Meeting, extension: str) -> str:
    return f"{slugify(meeting.name) or 'meeting'}-qr.{extension}"
