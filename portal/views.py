"""The attendee's pages, opened on a phone from a meeting's QR code.

An attendee signs in with the contact's email and password; the browser session holds the
contact's id under its own key, apart from (and never touching) a staff sign-in. Check-ins and
check-outs go through attendance.services, exactly as the API's do.
"""

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from access import limits, throttles
from access.authentication import authenticate_contact
from attendance import services
from attendance.models import OPEN_STATUSES, EventType, LocationFlag, Session, SessionStatus
from attendance.queries import with_attendance
from attendance.windows import window
from contacts.models import Contact
from core.templatetags.staff import when
from mandates.progress import progress_of
from meetings.calendar import calendar_filename, meeting_calendar
from meetings.models import Meeting
from meetings.occurrences import next_occurrences, occurrence_on
from portal import wording
from portal.forms import PositionForm, SignInForm

SESSION_KEY = "attendee_contact_id"
SIGNED_IN_AT_KEY = "attendee_signed_in_at"  # seconds since the epoch
RECENT_SESSIONS = 20
WRONG_CREDENTIALS = "Wrong email or password."
# Refusals of what the page's script posted (not of anything the attendee did): answered with
# the "nothing was recorded" page, as a post the form cannot parse is.
UNUSABLE_POST = {
    services.AttendanceError.CLIENT_TIME_WITHOUT_OFFSET,
    services.AttendanceError.INVALID_EVENT_ID,
    services.AttendanceError.INVALID_POSITION,
    services.AttendanceError.POSITION_REQUIRED,
}
# Refusals because of when the attendee is here (attendance.windows): answered on the meeting's
# page with what it says about today, and a 409. The service keeps the refused attempt.
NOT_NOW = {
    services.AttendanceError.CHECK_IN_NOT_OPEN,
    services.AttendanceError.CHECK_IN_CLOSED,
    services.AttendanceError.NO_OCCURRENCE,
}


def attendee_page(view: Callable) -> Callable:
    """Never cached, and no Referer header carries the address (the QR code) to another site.
    (Not "no-referrer": browsers then send "Origin: null" with the page's own POST, which the
    CSRF check rightly refuses.)"""

    @never_cache
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def signed_in_contact(request: HttpRequest) -> Contact | None:
    """The attendee signed in on this browser; None once their password changed (or they were
    deactivated) after they signed in here, as their API tokens end then too."""
    contact_id = request.session.get(SESSION_KEY)
    if contact_id is None:
        return None
    contact = Contact.objects.active().filter(pk=contact_id).first()
    if contact is None or contact.credentials_changed_at is None:
        return contact
    signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
    if signed_in_at is None or contact.credentials_changed_at.timestamp() > signed_in_at:
        request.session.pop(SESSION_KEY, None)
        return None
    return contact


def _redirect_with_next(url_name: str, next_url: str) -> HttpResponseRedirect:
    return redirect(f"{reverse(url_name)}?{urlencode({'next': next_url})}")


def _sign_in_first(next_url: str) -> HttpResponseRedirect:
    return _redirect_with_next("attendee:sign_in", next_url)


def signed_in_attendee(view: Callable) -> Callable:
    """The page needs a signed-in attendee, passed to the view after the request; without one,
    to the sign-in page, which returns here (a form that was posted, to the attendee's home)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = signed_in_contact(request)
        if contact is None:
            return _sign_in_first(request.get_full_path() if request.method == "GET" else reverse("attendee:home"))
        return view(request, contact, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, default: str) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return next_url
    return default


def _not_found(request: HttpRequest, status: int = 404, *, gone: bool = False) -> HttpResponse:
    return render(request, "attendee/not_found.html", {"gone": gone}, status=status)


def _meeting_for(qr_code: str) -> tuple[Meeting | None, int]:
    """The meeting behind a scanned code, or None with the status to answer (404, or 410 when inactive)."""
    meeting = Meeting.objects.filter(qr_code=qr_code).first()
    if meeting is None:
        return None, 404
    if not meeting.is_active:
        return None, 410
    return meeting, 200


# --- Signing in -------------------------------------------------------------------------------


@attendee_page
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, reverse("attendee:home"))
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        wait = limits.ATTENDEE.retry_after(request, email)
        if wait is not None:
            response = render(request, "attendee/too_many_attempts.html", {}, status=429)
            response["Retry-After"] = str(wait)
            return response
        contact = authenticate_contact(email, password)
        if contact is None:
            limits.ATTENDEE.failed(request, email)
            form.add_error(None, WRONG_CREDENTIALS)
        else:
            limits.ATTENDEE.succeeded(request, email)
            request.session.cycle_key()
            request.session[SESSION_KEY] = str(contact.pk)
            request.session[SIGNED_IN_AT_KEY] = timezone.now().timestamp()
            return redirect(next_url)
    return render(request, "attendee/sign_in.html", {"form": form, "next": next_url})


@require_POST
@attendee_page
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SIGNED_IN_AT_KEY, None)
    messages.info(request, "You are signed out.")
    return redirect("attendee:sign_in")


# --- Consent ----------------------------------------------------------------------------------


@attendee_page
@signed_in_attendee
def consent(request: HttpRequest, contact: Contact) -> HttpResponse:
    next_url = _safe_next(request, reverse("attendee:home"))
    if request.method == "POST":
        contact.record_consent(True, source="attendee")
        messages.success(request, "Thank you: you agreed to share your location when you check in and out.")
        return redirect(next_url)
    return render(request, "attendee/consent.html", {"contact": contact, "next": next_url})


@attendee_page
@signed_in_attendee
def withdraw_consent(request: HttpRequest, contact: Contact) -> HttpResponse:
    if request.method == "POST":
        contact.record_consent(False, source="attendee")
        messages.success(request, "You withdrew your consent: your location is no longer collected.")
        return redirect("attendee:home")
    return render(request, "attendee/withdraw_consent.html", {"contact": contact})


# --- The meeting page and its check-in ----------------------------------------------------------


def _when_it_meets(meeting: Meeting, now: dt.datetime) -> dict:
    """Today's occurrence at the meeting (in its zone), if any, the next one still to start, and
    when today's check-in opens while it is still to open."""
    today = occurrence_on(meeting, timezone.localdate(now, meeting.zone))
    upcoming = next_occurrences(meeting, now, 1)
    following = upcoming[0] if upcoming and upcoming[0] != today else None
    return {
        "todays_occurrence": today,
        "next_occurrence": following,
        "check_in_opens": wording.check_in_opens(today, meeting, now),
    }


def _finished_here(contact: Contact, meeting: Meeting, now: dt.datetime) -> dict:
    """The attendee's last session at `meeting`, closed, while the next occurrence's check-in
    is still to open: the page then shows how it ended and when to come back, and no Check in
    button. Nothing once that check-in opens (or, for a meeting without times, the next day)."""
    finished = (
        with_attendance(Session.objects.filter(contact=contact, meeting=meeting).exclude(status__in=OPEN_STATUSES))
        .select_related("meeting", "policy_version")
        .order_by("-created_at")
        .first()
    )
    if finished is None:
        return {}
    if finished.occurrence_start is None or meeting.start_time is None:
        ended = finished.check_out_at or finished.ended_at
        if ended is None or timezone.localdate(ended, meeting.zone) != timezone.localdate(now, meeting.zone):
            return {}
        return {"finished": finished, "check_in_again": True}
    following = wording.next_check_in(meeting, finished.occurrence_start)
    if following is not None and now >= following.opens_at:
        return {}
    # Only a check-out finishes the attendee's part of an occurrence: a session ended any other
    # way (by staff, by themselves) leaves its check-in window open, as the service does.
    _, closes = window(finished.occurrence_start, finished.occurrence_end, finished.policy_version)
    if finished.status != SessionStatus.COMPLETED and now <= closes:
        return {"finished": finished, "check_in_again": True}
    return {"finished": finished, "next_check_in": following.words(now) if following else ""}


def _meeting_context(meeting: Meeting, contact: Contact | None) -> dict:
    now = timezone.now()
    context: dict = {"meeting": meeting, "contact": contact, **_when_it_meets(meeting, now)}
    if contact is None:
        return context
    open_session = with_attendance(Session.objects.select_related("meeting", "policy_version")).open_for(contact.id)
    if open_session is not None and open_session.meeting_id == meeting.id:
        context["session"] = open_session
        if open_session.status == SessionStatus.CHECKED_IN:
            context["checked_in_at"] = open_session.check_in_at
            context["so_far"] = wording.reasons_so_far(open_session)
        return context
    context["other_session"] = open_session
    context.update(_finished_here(contact, meeting, now))
    return context


@attendee_page
def meeting_page(request: HttpRequest, qr_code: str) -> HttpResponse:
    meeting, status = _meeting_for(qr_code)
    if meeting is None:
        return _not_found(request, status, gone=status == 410)
    return render(request, "attendee/meeting.html", _meeting_context(meeting, signed_in_contact(request)))


@require_safe
@attendee_page
def meeting_calendar_ics(request: HttpRequest, pk: str) -> HttpResponse:
    """An active meeting's calendar (meetings.calendar: its public part only), for anyone who
    has the link; 404 for a deactivated one, so that phones stop showing it."""
    meeting = Meeting.objects.active().filter(pk=pk).first()
    if meeting is None:
        return _not_found(request)
    response = HttpResponse(meeting_calendar(meeting, url=None), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, calendar_filename(meeting))
    return response


def _outcome_message(event_type: EventType, recorded: services.RecordedEvent) -> str:
    verdict = recorded.verdict
    parts = [
        f"{event_type.label} recorded at {when(recorded.event.ts_server, recorded.session.time_zone)} (server time).",
        verdict.explanation,
    ]
    if verdict.distance_m is not None:
        parts.append(
            f"Distance from the meeting: {verdict.distance_m:.0f} m (must be within {verdict.radius_m:.0f} m)."
        )
    return " ".join(parts)


def _record_event(request: HttpRequest, qr_code: str, event_type: EventType) -> HttpResponse:
    """Parse the posted position, hand it to attendance.services.record_at_meeting (which
    decides everything: the session, retries, consent, the verdict) and show its answer."""
    meeting, status = _meeting_for(qr_code)
    if meeting is None:
        return _not_found(request, status, gone=status == 410)
    here = reverse("attendee:meeting", args=[meeting.qr_code])
    contact = signed_in_contact(request)
    if contact is None:
        return _sign_in_first(here)
    # The API's limit on events, counted together with the attendee's tokens.
    wait = throttles.event_wait(throttles.contact_account(contact.pk), limits.client_address(request))
    if wait is not None:
        response = render(request, "attendee/too_many_events.html", {"meeting": meeting}, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = PositionForm(request.POST)
    if not form.is_valid():
        errors = [f"{name}: {error}" for name, messages_ in form.errors.items() for error in messages_]
        return _nothing_recorded(request, meeting, errors)
    try:
        recorded = services.record_at_meeting(contact, meeting, event_type, form.report())
    except services.AttendanceError as error:
        return _refused(request, meeting, contact, error)
    if event_type == EventType.CHECK_OUT:
        # The meeting page shows how the session ended, as judged: the position's verdict alone
        # ("Verified") would say less, and could say it counts when it does not.
        return redirect(here)
    message = _outcome_message(event_type, recorded)
    if recorded.verdict.flag == LocationFlag.GRANTED:
        messages.success(request, message)
    else:
        messages.warning(request, message)
    return redirect(here)


def _nothing_recorded(request: HttpRequest, meeting: Meeting, errors: list[str]) -> HttpResponse:
    return render(request, "attendee/bad_request.html", {"errors": errors, "meeting": meeting}, status=400)


def _refused(request: HttpRequest, meeting: Meeting, contact: Contact, error: services.AttendanceError) -> HttpResponse:
    """The page for a refusal by the service: each code gets what the attendee can do about it."""
    here = reverse("attendee:meeting", args=[meeting.qr_code])
    if error.code == services.AttendanceError.CONSENT_REQUIRED:
        return _redirect_with_next("attendee:consent", here)
    if error.code == services.AttendanceError.OPEN_SESSION_EXISTS and "session_id" in error.context:
        other_session = Session.objects.filter(pk=error.context["session_id"]).first()
        context = {"meeting": meeting, "other_session": other_session, "next": here}
        return render(request, "attendee/other_session_open.html", context, status=409)
    if error.code in UNUSABLE_POST:
        return _nothing_recorded(request, meeting, [error.detail])
    if error.code in NOT_NOW:
        context = {**_meeting_context(meeting, contact), "refusal": error.detail}
        return render(request, "attendee/meeting.html", context, status=error.http_status)
    messages.error(request, error.detail)
    return redirect(here)


@require_POST
@attendee_page
def check_in(request: HttpRequest, qr_code: str) -> HttpResponse:
    return _record_event(request, qr_code, EventType.CHECK_IN)


@require_POST
@attendee_page
def check_out(request: HttpRequest, qr_code: str) -> HttpResponse:
    return _record_event(request, qr_code, EventType.CHECK_OUT)


@require_POST
@attendee_page
@signed_in_attendee
def end_session(request: HttpRequest, contact: Contact, pk: str) -> HttpResponse:
    """End the attendee's open session elsewhere, so that one can start here."""
    report = services.EventReport(
        ts_client=timezone.now(),
        fix=services.Fix(timed_out=True),
        notes="Ended by the attendee to start another session",
    )
    try:
        services.end_session(pk, report, contact=contact)
    except services.SessionNotFound:
        return _not_found(request)
    except services.AttendanceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Your other session is ended. You can check in here now.")
    return redirect(_safe_next(request, reverse("attendee:home")))


# --- Home -------------------------------------------------------------------------------------


@attendee_page
@signed_in_attendee
def home(request: HttpRequest, contact: Contact) -> HttpResponse:
    sessions = with_attendance(Session.objects.filter(contact=contact).select_related("meeting"))
    sessions = sessions.order_by("-created_at")[:RECENT_SESSIONS]
    # Each court order's progress, in the words GET /api/v1/me/mandates/ gives (mandates.progress).
    context = {"contact": contact, "sessions": sessions, "mandates": progress_of(contact)}
    return render(request, "attendee/home.html", context)
