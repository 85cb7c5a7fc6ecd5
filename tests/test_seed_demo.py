"""`manage.py seed_demo`: realistic, valid demo data, written once however often it runs."""

import datetime as dt
import re
import uuid
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from attendance.models import (
    OPEN_STATUSES,
    EventType,
    LocationFlag,
    RefusedAttempt,
    Session,
    SessionEvent,
    SessionStatus,
)
from attendance.outcomes import Outcome, Reason
from attendance.services import CLOSED_AUTOMATICALLY, stale_after
from contacts.models import Contact
from core.geo import haversine_m
from core.zones import zone_at
from demo.story import CONTACTS, MEETINGS, SESSIONS, demo_id
from meetings.models import CancelledOccurrence, Meeting, ScheduledOccurrence
from meetings.occurrences import next_occurrences, occurrence_at, occurrence_on, occurrences
from meetings.recurrence import normalise
from meetings.schedule import todays_occurrences
from tests.factories import ContactFactory, SessionFactory

pytestmark = pytest.mark.django_db

MODELS = (Meeting, Contact, Session, SessionEvent)


def seed() -> str:
    output = StringIO()
    call_command("seed_demo", force=True, stdout=output)
    return output.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def reported(output: str, label: str) -> tuple[int, int]:
    """(created, already present) as the command printed them for `label`."""
    match = re.search(rf"^\s*{label}\s+(\d+) created,\s+(\d+) already present$", output, re.MULTILINE)
    assert match, output
    return int(match[1]), int(match[2])


def test_on_an_empty_database_it_creates_meetings_contacts_sessions_and_events():
    assert set(row_counts().values()) == {0}

    output = seed()

    # With the event of each automatic close (close_stale_sessions' status change).
    events = sum(len(session.events) + session.closed_automatically for session in SESSIONS)
    assert row_counts() == {
        "Meeting": len(MEETINGS),
        "Contact": len(CONTACTS),
        "Session": len(SESSIONS),
        "SessionEvent": events,
    }
    assert reported(output, "Meetings") == (len(MEETINGS), 0)
    assert reported(output, "Session events") == (events, 0)


def test_sessions_cover_every_status_and_events_every_type_and_flag():
    seed()

    assert set(Session.objects.values_list("status", flat=True)) == set(SessionStatus.values)
    assert set(SessionEvent.objects.values_list("type", flat=True)) == set(EventType.values)
    assert set(SessionEvent.objects.values_list("location_flag", flat=True)) == set(LocationFlag.values)


def test_a_timed_out_event_has_no_position_and_no_accuracy():
    seed()

    timed_out = SessionEvent.objects.filter(location_flag=LocationFlag.TIMEOUT)
    assert timed_out.exists()
    assert set(timed_out.values_list("lat", "lng", "accuracy")) == {(None, None, None)}
    assert not SessionEvent.objects.exclude(location_flag=LocationFlag.TIMEOUT).filter(lat__isnull=True).exists()


def test_granted_fixes_are_inside_the_meetings_radius_and_denied_ones_outside():
    seed()

    for event in SessionEvent.objects.exclude(location_flag=LocationFlag.TIMEOUT).select_related("session__meeting"):
        meeting = event.session.meeting
        distance = haversine_m(meeting.lat, meeting.lng, event.lat, event.lng)
        if event.location_flag == LocationFlag.GRANTED:
            assert distance <= meeting.radius_meters, event
        else:
            # Well outside, not a borderline case a rounding error could flip.
            assert distance > meeting.radius_meters + 100, event


def test_running_twice_leaves_every_table_unchanged():
    seed()
    before = row_counts()
    ids_before = {model.__name__: set(model.objects.values_list("pk", flat=True)) for model in MODELS}

    output = seed()

    assert row_counts() == before
    assert {model.__name__: set(model.objects.values_list("pk", flat=True)) for model in MODELS} == ids_before
    assert reported(output, "Meetings") == (0, len(MEETINGS))
    assert reported(output, "Contacts") == (0, len(CONTACTS))
    assert reported(output, "Sessions") == (0, len(SESSIONS))
    assert "nothing to do" in output


def test_running_again_on_a_later_day_creates_nothing_and_keeps_the_first_runs_times():
    seed()
    before = row_counts()
    start_times = dict(Meeting.objects.values_list("pk", "start_time"))

    with time_machine.travel(timezone.now() + dt.timedelta(days=3, hours=5), tick=False):
        seed()

    assert row_counts() == before
    assert dict(Meeting.objects.values_list("pk", "start_time")) == start_times


def test_every_row_passes_full_clean():
    seed()

    for model in MODELS:
        for row in model.objects.all():
            row.full_clean()


def test_ids_are_hyphenated_uuid4_strings():
    seed()

    for model in MODELS:
        for pk in model.objects.values_list("pk", flat=True):
            assert str(uuid.UUID(pk)) == pk
            assert uuid.UUID(pk).version == 4


def test_sessions_copy_their_meeting_and_no_contact_has_two_open_sessions():
    seed()

    for session in Session.objects.select_related("meeting"):
        meeting = session.meeting
        assert (session.dest_name, session.dest_address, session.dest_lat, session.dest_lng) == (
            meeting.name,
            meeting.address,
            meeting.lat,
            meeting.lng,
        )
        assert session.is_complete == (not session.is_open)
    open_contacts = list(Session.objects.filter(status__in=OPEN_STATUSES).values_list("contact_id", flat=True))
    assert len(open_contacts) == len(set(open_contacts)) >= 2


def test_client_time_is_a_few_seconds_before_server_time_and_no_evidence_is_in_the_future():
    now = timezone.now()
    seed()

    for event in SessionEvent.objects.exclude(notes=CLOSED_AUTOMATICALLY).filter(sent_late=False):
        assert dt.timedelta(seconds=1) <= event.ts_server - event.ts_client <= dt.timedelta(seconds=10)
    for event in SessionEvent.objects.all():
        assert event.ts_server <= now + dt.timedelta(seconds=5)


def test_queued_events_arrive_over_an_hour_late_and_count_at_the_phones_time():
    seed()

    late = list(SessionEvent.objects.filter(sent_late=True).order_by("ts_server"))
    assert [event.type for event in late] == [EventType.CHECK_IN, EventType.CHECK_OUT]
    assert {event.session_id for event in late} == {session_of("rebecca-portland-last-week").pk}
    for event in late:
        assert event.delay > dt.timedelta(hours=1)
        assert event.occurred_at == event.ts_client


def session_of(key: str) -> Session:
    """A demo session, found as the seed finds it: by its first event's id."""
    return Session.objects.get(events__pk=demo_id("event", f"{key}/0"))


# What each demo session must be judged, in the attendee's and the court's words.
OUTCOMES = {
    "maria-portland-today": ("open", []),
    "james-portland-today": ("open", []),
    "daniel-portland-last-week": ("partial", ["arrived_late"]),
    "aisha-portland-last-week": ("partial", ["check_out_not_verified"]),
    "sofia-portland-last-week": ("partial", ["no_check_out"]),
    "rebecca-portland-last-week": ("partial", ["sent_late"]),
    "aisha-san-francisco-yesterday": ("attended", []),
    "daniel-san-francisco-yesterday": ("attended", []),
    "rebecca-san-francisco-yesterday": ("partial", ["no_check_out"]),
    "sofia-san-francisco-yesterday": ("not_verified", ["no_verified_check_in"]),
    "maria-boston-last-week": ("attended", []),
    "michael-boston-last-week": ("partial", ["left_early", "short_stay"]),
    "robert-boston-last-week": ("attended", []),
}


def test_each_session_has_the_outcome_and_exact_reasons_of_its_story():
    seed()

    judged = {key: (session_of(key).outcome, session_of(key).outcome_reasons.split()) for key in OUTCOMES}
    assert judged == OUTCOMES
    assert {spec.key for spec in SESSIONS} == set(OUTCOMES)


def test_every_outcome_and_every_way_to_fall_short_is_in_the_demo():
    seed()

    assert set(Session.objects.values_list("outcome", flat=True)) == set(Outcome.values)
    reasons = {tuple(session.reasons) for session in Session.objects.all()}
    for expected in [
        (Reason.ARRIVED_LATE,),
        (Reason.LEFT_EARLY, Reason.SHORT_STAY),
        (Reason.CHECK_OUT_NOT_VERIFIED,),
        (Reason.NO_CHECK_OUT,),
        (Reason.SENT_LATE,),
        (Reason.NO_VERIFIED_CHECK_IN,),
    ]:
        assert expected in reasons


def test_the_session_left_open_was_closed_by_the_stale_session_rule():
    seed()

    session = session_of("sofia-portland-last-week")
    closing = session.events.get(type=EventType.STATUS_CHANGE)
    assert closing.notes == CLOSED_AUTOMATICALLY
    assert (closing.lat, closing.lng, closing.location_flag) == (None, None, LocationFlag.TIMEOUT)
    # Found by the job's next run after the end plus the policy's two hours.
    assert stale_after(session) < closing.ts_server <= stale_after(session) + dt.timedelta(minutes=10)
    assert session.occurrence_end + dt.timedelta(hours=2) == stale_after(session)


@pytest.mark.django_db(transaction=True)
def test_a_check_in_before_the_window_is_kept_as_a_refused_attempt():
    """Outside a test's transaction, as `manage.py seed_demo` runs, the service keeps it."""
    output = seed()

    attempt = RefusedAttempt.objects.get()
    assert (attempt.code, attempt.type, attempt.session) == ("check_in_not_open", EventType.CHECK_IN, None)
    assert attempt.contact.email == "daniel.nguyen@example.com"
    assert attempt.meeting.name == "SMART Recovery Meeting"
    later = session_of("daniel-san-francisco-yesterday")
    assert attempt.ts_server == later.occurrence_start - dt.timedelta(minutes=40)
    assert re.fullmatch(r"Check-in opens at 6:00 pm P[SD]T\.", attempt.detail)
    assert reported(output, "Refused attempts") == (1, 0)
    assert reported(seed(), "Refused attempts") == (0, 1)
    assert RefusedAttempt.objects.count() == 1


def test_only_contacts_who_consented_have_sessions_and_none_has_a_password():
    seed()

    for contact in Contact.objects.all():
        assert not contact.has_usable_password()
        assert (contact.consent_timestamp is not None) == contact.consent_granted
    assert not Session.objects.filter(contact__consent_granted=False).exists()
    assert Contact.objects.filter(consent_granted=False, is_active=True).exists()
    assert Contact.objects.filter(is_active=False).count() == 1
    assert all(
        email.endswith(("@example.org", "@example.com")) for email in Contact.objects.values_list("email", flat=True)
    )


@pytest.mark.parametrize("local_time", [dt.time(0, 5), dt.time(13, 20), dt.time(23, 55)])
def test_meetings_fall_today_in_the_past_and_ahead_whatever_the_time_of_day(local_time):
    zone = ZoneInfo("America/Los_Angeles")
    now = dt.datetime.combine(dt.date(2026, 3, 10), local_time, tzinfo=zone)
    with override_settings(TIME_ZONE="America/Los_Angeles"), time_machine.travel(now, tick=False):
        seed()
        meetings = list(Meeting.objects.all())
        # Today at each meeting, in its own zone.
        today = [occurrence_on(meeting, now.astimezone(meeting.zone).date()) for meeting in meetings]
        window = [
            occurrences(meeting, now - dt.timedelta(days=14), now + dt.timedelta(days=14)) for meeting in meetings
        ]

        assert len([occurrence for occurrence in today if occurrence is not None]) >= 3
        assert any(found and found[0].start < now for found in window)
        assert any(found and found[-1].start > now for found in window)
        assert any(occurrence and occurrence.contains(now) for occurrence in today)
        assert [meeting.is_active for meeting in meetings].count(False) == 1
        assert all(75 <= meeting.radius_meters <= 150 for meeting in meetings)
        assert all(meeting.qr_code for meeting in meetings)
        assert not SessionEvent.objects.filter(ts_server__gt=now).exists()


@pytest.mark.parametrize("local_time", [dt.time(0, 5), dt.time(13, 20), dt.time(23, 55)])
def test_every_demo_meeting_repeats_in_its_own_zone_from_weeks_before(local_time):
    now = dt.datetime.combine(dt.date(2026, 3, 10), local_time, tzinfo=ZoneInfo("America/Los_Angeles"))
    with time_machine.travel(now, tick=False):
        seed()

    rules = {}
    for meeting in Meeting.objects.all():
        spec = next(spec for spec in MEETINGS if spec.name == meeting.name)
        assert meeting.time_zone == spec.time_zone == zone_at(meeting.lat, meeting.lng)
        assert meeting.recurrence, meeting
        # The first occurrence, some weeks back, is the rule's first day (the model's validation).
        assert normalise(meeting.recurrence) == meeting.recurrence
        assert meeting.start_time <= now - dt.timedelta(days=7)
        assert meeting.created_at < meeting.start_time
        assert len(next_occurrences(meeting, meeting.start_time, 3)) == 3
        rules[meeting.name] = meeting.recurrence
    assert rules["New Beginnings Recovery Group"] == "FREQ=WEEKLY;BYDAY=TU"
    assert rules["Serenity Group"] == "FREQ=WEEKLY;BYDAY=SA"
    assert rules["DUI Education Class"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert rules["Victim Impact Panel"] == "FREQ=MONTHLY;BYDAY=1MO"
    boston = Meeting.objects.get(name="Serenity Group")
    assert boston.start_time.astimezone(boston.zone).time() == dt.time(10, 0)


def test_sessions_are_for_an_occurrence_of_their_meeting():
    seed()

    for session in Session.objects.select_related("meeting"):
        occurrence = occurrence_at(session.meeting, session.created_at)
        assert (session.occurrence_start, session.occurrence_end) == (occurrence.start, occurrence.end), session
        # Opened minutes before it starts, or while it is under way.
        assert occurrence.start - dt.timedelta(minutes=30) <= session.created_at < occurrence.end, session


def test_one_occurrence_is_cancelled_with_its_reason_and_the_window_marks_it():
    output = seed()
    call_command("refresh_schedule", stdout=StringIO())

    (cancellation,) = CancelledOccurrence.objects.all()
    assert cancellation.reason == "Venue closed for the holiday"
    assert cancellation.meeting.name == "New Beginnings Recovery Group"
    assert occurrence_on(cancellation.meeting, cancellation.date).cancelled
    assert ScheduledOccurrence.objects.get(meeting=cancellation.meeting, local_date=cancellation.date).cancelled
    assert reported(output, "Cancellations") == (1, 0)
    assert reported(seed(), "Cancellations") == (0, 1)


def test_after_refresh_schedule_the_dashboard_has_todays_meetings():
    seed()
    call_command("refresh_schedule", stdout=StringIO())

    names = {row.meeting.name for row in todays_occurrences() if not row.cancelled}

    assert {"New Beginnings Recovery Group", "DUI Education Class", "Anger Management Group"} <= names
    assert "Serenity Group" not in names  # discontinued


def test_existing_rows_of_other_people_are_left_alone():
    other = SessionFactory()

    seed()

    other.refresh_from_db()
    assert other.status == SessionStatus.ACTIVE
    assert Session.objects.filter(contact=other.contact).count() == 1


def test_a_clash_with_existing_data_writes_nothing_and_says_why():
    ContactFactory(email=CONTACTS[0].email)

    with pytest.raises(CommandError, match=r"demo contact Maria Gonzalez: .*already exists"):
        seed()

    assert row_counts() == {"Meeting": 0, "Contact": 1, "Session": 0, "SessionEvent": 0}


def test_refuses_without_debug_or_force_so_production_never_gets_fake_evidence(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to write demo attendance data"):
        call_command("seed_demo", stdout=StringIO())
    assert not Session.objects.exists()


def test_runs_with_debug_on(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert Session.objects.exists()
