"""What counts as attended (issue 17's scenarios), each with its exact outcome and reasons, on a
weekly Tuesday 7:00-8:30 pm meeting in Portland, with the clock moved to each moment.

The attendee uses the phone page's service (record_at_meeting), staff end sessions from the
office, and close_stale_sessions runs as cron would run it.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from attendance import reports, services
from attendance.models import EventType, RefusedAttempt, Session, SessionStatus
from attendance.services import AttendanceError, EventReport, Fix
from core.geo import offset_point
from policies.models import DEFAULT_JURISDICTION_ID, DEFAULT_VERSION_ID, Jurisdiction
from policies.services import publish
from tests.factories import ContactFactory, MeetingFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PORTLAND = (45.5152, -122.6784)
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


def pst(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 12) -> dt.datetime:
    """A wall-clock time in Portland in 2026 (Tuesday 1 December is a meeting day)."""
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=PACIFIC)


@pytest.fixture
def meeting():
    return MeetingFactory(
        name="Tuesday night group",
        lat=PORTLAND[0],
        lng=PORTLAND[1],
        radius_meters=100,
        time_zone="America/Los_Angeles",
        start_time=pst(1, 19),
        end_time=pst(1, 20, 30),
        recurrence="FREQ=WEEKLY;BYDAY=TU",
    )


@pytest.fixture
def contact():
    return ContactFactory(consenting=True)


def at_the_door(ts_client: dt.datetime | None = None, north_m: float = 0) -> EventReport:
    lat, lng = offset_point(*PORTLAND, north_m=north_m, east_m=0)
    return EventReport(ts_client=ts_client or timezone.now(), fix=Fix(lat, lng, 10))


def act(when: dt.datetime, contact, meeting, event_type: EventType, **kwargs) -> services.RecordedEvent:
    """The attendee taps Check in / Check out at `when` (sent at once unless `sent` is given)."""
    sent = kwargs.pop("sent", when)
    with time_machine.travel(sent, tick=False):
        return services.record_at_meeting(contact, meeting, event_type, at_the_door(when, **kwargs))


def judged(session_id: str) -> tuple[str, list[str], int | None, int | None]:
    session = Session.objects.get(pk=session_id)
    attendance = session.attendance
    return attendance.outcome, list(attendance.reasons), attendance.minutes_attended, attendance.minutes_scheduled


def test_on_time_for_the_whole_meeting_is_attended(contact, meeting):
    checked_in = act(pst(1, 18, 50), contact, meeting, EventType.CHECK_IN)
    assert Session.objects.get(pk=checked_in.session.id).outcome == "open"
    act(pst(1, 20, 31), contact, meeting, EventType.CHECK_OUT)
    assert judged(checked_in.session.id) == ("attended", [], 90, 90)


def test_twenty_minutes_late_arrived_late(contact, meeting):
    session = act(pst(1, 19, 20), contact, meeting, EventType.CHECK_IN).session
    act(pst(1, 20, 30), contact, meeting, EventType.CHECK_OUT)
    assert judged(session.id) == ("partial", ["arrived_late"], 70, 90)


def test_leaving_thirty_minutes_early_is_left_early_and_short_stay(contact, meeting):
    session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
    act(pst(1, 20, 0), contact, meeting, EventType.CHECK_OUT)
    assert judged(session.id) == ("partial", ["left_early", "short_stay"], 60, 90)


def test_a_check_out_57_km_away_completes_the_session_but_is_not_verified(contact, meeting):
    session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
    check_out = act(pst(1, 20, 31), contact, meeting, EventType.CHECK_OUT, north_m=57_000)
    assert (check_out.event.location_flag, check_out.event.verdict_reason) == ("denied", "outside_radius")
    assert check_out.event.distance_m == pytest.approx(57_000, rel=0.001)
    assert Session.objects.get(pk=session.id).status == SessionStatus.COMPLETED
    assert judged(session.id) == ("partial", ["check_out_not_verified"], 90, 90)


def test_no_check_out_is_closed_by_the_command_two_hours_after_the_end(contact, meeting):
    session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
    with time_machine.travel(pst(1, 22, 30), tick=False):  # the end plus exactly the grace
        call_command("close_stale_sessions")
    assert Session.objects.get(pk=session.id).is_open
    with time_machine.travel(pst(1, 22, 31), tick=False):
        call_command("close_stale_sessions")
        call_command("close_stale_sessions")  # run again (cron overlap): nothing more happens
    closed = Session.objects.get(pk=session.id)
    assert closed.status == SessionStatus.ENDED
    (end,) = closed.events.filter(type=EventType.STATUS_CHANGE)
    assert (end.notes, end.lat, end.location_flag) == ("Closed automatically: no check-out.", None, "timeout")
    assert judged(session.id) == ("partial", ["no_check_out"], None, 90)
    # The attendee can start the next one, at next week's meeting.
    following = act(pst(8, 18, 55), contact, meeting, EventType.CHECK_IN)
    assert following.session.id != session.id
    assert following.session.occurrence_start == pst(8, 19)


def test_events_queued_offline_and_sent_an_hour_later_are_placed_at_their_phone_times(contact, meeting):
    session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN, sent=pst(1, 21, 30)).session
    check_out = act(pst(1, 20, 30), contact, meeting, EventType.CHECK_OUT, sent=pst(1, 21, 30, 1))
    assert check_out.event.sent_late
    assert check_out.event.delay == dt.timedelta(hours=1, seconds=1)
    assert judged(session.id) == ("partial", ["sent_late"], 90, 90)
    (row,) = reports.build_report(contact, reports.Period(dt.date(2026, 12, 1), dt.date(2026, 12, 1)), "test").rows
    assert (row.check_in_at, row.check_out_at) == (pst(1, 18, 55), pst(1, 20, 30))
    assert (row.check_in_received_at, row.check_out_received_at) == (pst(1, 21, 30), pst(1, 21, 30, 1))
    assert (row.check_in_sent_late, row.check_out_sent_late) == (True, True)
    assert (row.outcome, row.reasons) == ("partial", ("sent_late",))


def test_a_check_in_before_the_window_is_refused_and_kept(contact, meeting):
    with pytest.raises(AttendanceError) as error:
        act(pst(1, 18, 29, 59), contact, meeting, EventType.CHECK_IN)
    assert (error.value.code, error.value.http_status) == ("check_in_not_open", 409)
    assert error.value.context == {"opens_at": pst(1, 18, 30)}
    assert error.value.detail == "Check-in opens at 6:30 pm PST."
    assert not Session.objects.exists()
    (attempt,) = RefusedAttempt.objects.all()
    assert (attempt.contact, attempt.meeting, attempt.session, attempt.code) == (
        contact,
        meeting,
        None,
        "check_in_not_open",
    )
    assert attempt.ts_server == pst(1, 18, 29, 59)
    # At 6:30 pm exactly, the window is open.
    assert act(pst(1, 18, 30), contact, meeting, EventType.CHECK_IN).event.location_flag == "granted"


def test_a_queued_check_out_after_staff_ended_the_session_is_refused_and_kept(contact, meeting):
    session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
    with time_machine.travel(pst(1, 19, 30), tick=False):
        services.end_session_by_staff(
            session.id, reason="Left with a family emergency", staff_member=StaffUserFactory()
        )
    with time_machine.travel(pst(1, 20, 35), tick=False), pytest.raises(AttendanceError) as error:
        services.check_out(session.id, at_the_door(pst(1, 20, 30)), contact=contact)
    assert (error.value.code, error.value.http_status) == ("invalid_transition", 409)
    (attempt,) = RefusedAttempt.objects.all()
    assert (attempt.session_id, attempt.type, attempt.code, attempt.ts_client) == (
        session.id,
        EventType.CHECK_OUT,
        "invalid_transition",
        pst(1, 20, 30),
    )
    assert judged(session.id) == ("partial", ["no_check_out"], None, 90)
    assert Session.objects.get(pk=session.id).status == SessionStatus.ENDED


def test_a_policy_change_between_two_sessions_judges_each_under_its_own_version(contact, meeting):
    first = act(pst(1, 19, 7), contact, meeting, EventType.CHECK_IN).session
    act(pst(1, 20, 30), contact, meeting, EventType.CHECK_OUT)
    with time_machine.travel(pst(3, 9), tick=False):
        stricter = publish(
            Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID),
            {"on_time_after_start": dt.timedelta(minutes=5)},
            notes="The court asks for arrival within five minutes.",
        )
    second = act(pst(8, 19, 7), contact, meeting, EventType.CHECK_IN).session
    act(pst(8, 20, 30), contact, meeting, EventType.CHECK_OUT)
    assert judged(first.id) == ("attended", [], 83, 90)
    assert judged(second.id) == ("partial", ["arrived_late"], 83, 90)
    assert Session.objects.get(pk=first.id).policy_version_id == DEFAULT_VERSION_ID
    assert Session.objects.get(pk=second.id).policy_version == stricter
    assert {e.policy_version_id for e in Session.objects.get(pk=second.id).events.all()} == {stricter.id}
    # The first session's events still carry the version that judged them.
    assert {e.policy_version_id for e in Session.objects.get(pk=first.id).events.all()} == {DEFAULT_VERSION_ID}


def test_a_weekly_meeting_across_the_end_of_daylight_saving_time(contact):
    meeting = MeetingFactory(
        lat=PORTLAND[0],
        lng=PORTLAND[1],
        time_zone="America/Los_Angeles",
        start_time=pst(27, 19, month=10),  # 7 pm PDT (UTC-7)
        end_time=pst(27, 20, 30, month=10),
        recurrence="FREQ=WEEKLY;BYDAY=TU",
    )
    # 3 November: 7 pm PST (UTC-8), an hour later in UTC than the week before.
    session = act(pst(3, 18, 58, month=11), contact, meeting, EventType.CHECK_IN).session
    act(pst(3, 20, 30, month=11), contact, meeting, EventType.CHECK_OUT)
    assert session.occurrence_start == dt.datetime(2026, 11, 4, 3, 0, tzinfo=dt.UTC)
    assert judged(session.id) == ("attended", [], 90, 90)


class TestTheWindowsEdges:
    def test_on_time_until_exactly_ten_minutes_after_the_start(self, contact, meeting):
        session = act(pst(1, 19, 10), contact, meeting, EventType.CHECK_IN).session
        act(pst(1, 20, 30), contact, meeting, EventType.CHECK_OUT)
        assert judged(session.id)[:2] == ("attended", [])

    def test_a_second_later_is_late(self, contact, meeting):
        session = act(pst(1, 19, 10, 1), contact, meeting, EventType.CHECK_IN).session
        act(pst(1, 20, 30), contact, meeting, EventType.CHECK_OUT)
        assert judged(session.id)[:2] == ("partial", ["arrived_late"])

    def test_a_check_out_ten_minutes_before_the_end_counts(self, contact, meeting):
        session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
        act(pst(1, 20, 20), contact, meeting, EventType.CHECK_OUT)
        assert judged(session.id) == ("attended", [], 80, 90)

    def test_a_second_earlier_is_left_early(self, contact, meeting):
        session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
        act(pst(1, 20, 19, 59), contact, meeting, EventType.CHECK_OUT)
        assert judged(session.id)[:2] == ("partial", ["left_early"])

    def test_check_in_closes_at_the_end(self, contact, meeting):
        assert act(pst(1, 20, 30), contact, meeting, EventType.CHECK_IN).event.location_flag == "granted"

    def test_after_the_end_check_in_is_closed(self, contact, meeting):
        with pytest.raises(AttendanceError) as error:
            act(pst(1, 20, 30, 1), contact, meeting, EventType.CHECK_IN)
        assert (error.value.code, error.value.context) == ("check_in_closed", {"ended_at": pst(1, 20, 30)})
        assert RefusedAttempt.objects.get().code == "check_in_closed"

    def test_on_a_day_without_the_meeting_there_is_no_occurrence(self, contact, meeting):
        with pytest.raises(AttendanceError) as error:
            act(pst(2, 19), contact, meeting, EventType.CHECK_IN)
        assert (error.value.code, error.value.http_status) == ("no_occurrence", 409)
        assert not Session.objects.exists()

    def test_a_cancelled_meeting_has_no_occurrence(self, contact, meeting):
        meeting.cancellations.create(date=dt.date(2026, 12, 1), reason="Building closed")
        with pytest.raises(AttendanceError) as error:
            act(pst(1, 19), contact, meeting, EventType.CHECK_IN)
        assert error.value.code == "no_occurrence"

    def test_a_queued_event_ten_minutes_old_is_on_time_a_second_more_is_late(self, contact, meeting):
        prompt = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN, sent=pst(1, 19, 5))
        assert not prompt.event.sent_late
        late = act(pst(1, 20, 25), contact, meeting, EventType.CHECK_OUT, sent=pst(1, 20, 35, 1))
        assert late.event.sent_late
        assert judged(prompt.session.id)[:2] == ("partial", ["sent_late"])


def test_a_meeting_without_times_needs_the_minimum_stay(contact):
    drop_in = MeetingFactory(lat=PORTLAND[0], lng=PORTLAND[1], start_time=None, end_time=None)
    short = act(pst(1, 10), contact, drop_in, EventType.CHECK_IN).session
    act(pst(1, 10, 59, 59), contact, drop_in, EventType.CHECK_OUT)
    assert judged(short.id) == ("partial", ["short_stay"], 59, None)
    enough = act(pst(1, 12), contact, drop_in, EventType.CHECK_IN).session
    act(pst(1, 13), contact, drop_in, EventType.CHECK_OUT)
    assert judged(enough.id) == ("attended", [], 60, None)


def test_a_denied_check_in_alone_is_not_verified(contact, meeting):
    session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN, north_m=500).session
    with time_machine.travel(pst(1, 19), tick=False):
        services.end_session(session.id, at_the_door(), contact=contact)
    assert judged(session.id) == ("not_verified", ["no_verified_check_in"], None, 90)


def test_last_weeks_forgotten_session_is_closed_when_the_attendee_checks_in_this_week(contact, meeting):
    # close_stale_sessions never ran (a development machine, a stopped timer): the check-in
    # closes the stale session itself, as the command would have, and opens this week's.
    forgotten = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
    this_week = act(pst(8, 18, 55), contact, meeting, EventType.CHECK_IN).session
    assert this_week.id != forgotten.id
    assert judged(forgotten.id) == ("partial", ["no_check_out"], None, 90)
    assert Session.objects.get(pk=this_week.id).occurrence_start == pst(8, 19)


def test_a_session_still_within_its_grace_is_not_closed_by_a_check_in_elsewhere(contact, meeting):
    open_one = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
    other = MeetingFactory(lat=PORTLAND[0], lng=PORTLAND[1], start_time=pst(1, 21), end_time=pst(1, 22))
    with pytest.raises(AttendanceError) as error:
        act(pst(1, 20, 45), contact, other, EventType.CHECK_IN)
    assert (error.value.code, error.value.context) == ("open_session_exists", {"session_id": open_one.id})
    assert Session.objects.get(pk=open_one.id).is_open


def test_a_midnight_meeting_says_when_check_in_opens_the_evening_before(contact):
    midnight = MeetingFactory(
        lat=PORTLAND[0],
        lng=PORTLAND[1],
        time_zone="America/Los_Angeles",
        start_time=pst(2, 0),
        end_time=pst(2, 1),
        recurrence="FREQ=DAILY",
    )
    with pytest.raises(AttendanceError) as error:
        act(pst(1, 23, 25), contact, midnight, EventType.CHECK_IN)
    assert (error.value.code, error.value.context) == ("check_in_not_open", {"opens_at": pst(1, 23, 30)})
    session = act(pst(1, 23, 45), contact, midnight, EventType.CHECK_IN).session
    assert session.occurrence_start == pst(2, 0)


def test_a_queued_check_in_opens_its_session_through_the_api_after_the_meeting_ended(contact, meeting):
    # The phone was offline from 6:55 pm; its app opens the session and checks in at 9:45 pm.
    with time_machine.travel(pst(1, 21, 45), tick=False):
        session = services.start_session(contact, meeting=meeting, ts_client=pst(1, 18, 55))
        services.check_in(session.id, at_the_door(pst(1, 18, 55)), contact=contact)
        services.check_out(session.id, at_the_door(pst(1, 20, 30)), contact=contact)
    assert session.occurrence_start == pst(1, 19)
    assert judged(session.id) == ("partial", ["sent_late"], 90, 90)
    # Without the phone's time, the session would open now, after the meeting: refused.
    other = ContactFactory(consenting=True)
    with time_machine.travel(pst(1, 21, 45), tick=False), pytest.raises(AttendanceError) as error:
        services.start_session(other, meeting=meeting)
    assert error.value.code == "check_in_closed"


def test_a_staff_callers_refused_event_is_not_kept_as_the_attendees(contact, meeting):
    session = act(pst(1, 18, 55), contact, meeting, EventType.CHECK_IN).session
    with time_machine.travel(pst(1, 19), tick=False), pytest.raises(AttendanceError):
        services.check_in(session.id, at_the_door())  # staff API: contact=None; already checked in
    assert not RefusedAttempt.objects.exists()


def test_a_destination_session_waits_a_day_for_its_check_in_then_closes(contact):
    staff = StaffUserFactory()
    destination = services.Destination("Treatment centre", "1 Main St", *PORTLAND)
    with time_machine.travel(pst(1, 9), tick=False):
        session = services.start_session(contact, destination=destination, approved_by=staff)
    with time_machine.travel(pst(1, 14), tick=False):
        assert services.close_if_stale(session.id) is None  # the 2 pm appointment: still open
        services.check_in(session.id, at_the_door(), contact=contact)
    with time_machine.travel(pst(1, 17), tick=False):  # check-in + 60 min + 2 h
        call_command("close_stale_sessions")
        assert Session.objects.get(pk=session.id).is_open
    with time_machine.travel(pst(1, 17, 0, 1), tick=False):
        call_command("close_stale_sessions")
    assert judged(session.id) == ("partial", ["no_check_out"], None, None)
    untouched = services.start_session(ContactFactory(consenting=True), destination=destination, approved_by=staff)
    with time_machine.travel(untouched.created_at + dt.timedelta(days=1, seconds=1), tick=False):
        call_command("close_stale_sessions")
    assert judged(untouched.id)[:2] == ("not_verified", ["no_verified_check_in"])
