"""The issue's scripted month (README: "Mandates and compliance"): five attendees, five court
orders, December 2026 in Portland, each check-in and check-out made through the phone page's
service with the clock moved to it, and each period's status and the mandate's asserted at
chosen moments, through the services (and in tests/test_api_mandates.py through the API).
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from attendance import services
from attendance.models import EventType, Session
from attendance.services import EventReport, Fix
from mandates import services as mandates
from mandates.queries import compliance_of
from mandates.services import Terms
from meetings.models import MeetingKind
from policies.models import Jurisdiction
from tests.factories import ContactFactory, MeetingFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PORTLAND = (45.5152, -122.6784)
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


def pst(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=PACIFIC)


def daily(name: str, hour: int, kind: str):
    meeting = MeetingFactory(
        name=name,
        lat=PORTLAND[0],
        lng=PORTLAND[1],
        radius_meters=100,
        time_zone="America/Los_Angeles",
        start_time=pst(1, hour),
        end_time=pst(1, hour + 1, 30),
        recurrence="FREQ=DAILY",
    )
    meeting.kinds.set([MeetingKind.objects.get(slug=kind)])
    return meeting


@pytest.fixture
def hope():
    """Hope Group, AA, every evening 7:00-8:30 pm."""
    return daily("Hope Group", 19, "aa")


@pytest.fixture
def smart():
    """SMART Recovery, every afternoon 4:00-5:30 pm."""
    return daily("SMART afternoons", 16, "smart")


@pytest.fixture
def staff():
    return StaffUserFactory()


@pytest.fixture
def court():
    """The ordering court, counting its dates in Portland's zone."""
    return Jurisdiction.objects.create(
        name="Multnomah County Circuit Court", kind="court", time_zone="America/Los_Angeles"
    )


def attend(contact, meeting, day: int, *, leave_at: tuple[int, int] | None = None) -> Session:
    """Check in at the start and out at the end (or at `leave_at`) of `meeting` on `day`."""
    start = meeting.start_time.astimezone(PACIFIC)
    check_in = pst(day, start.hour, start.minute + 2)
    check_out = pst(day, *(leave_at or (start.hour + 1, 30)))
    for when, event_type in ((check_in, EventType.CHECK_IN), (check_out, EventType.CHECK_OUT)):
        with time_machine.travel(when, tick=False):
            report = EventReport(ts_client=timezone.now(), fix=Fix(*PORTLAND, 10))
            recorded = services.record_at_meeting(contact, meeting, event_type, report)
    return Session.objects.get(pk=recorded.session.pk)


def order(contact, staff, **terms) -> object:
    court = Jurisdiction.objects.get(name="Multnomah County Circuit Court")
    values = {"case_number": f"CR-2026-{contact.pk[:4]}", "required_count": 3, "period": "week", "jurisdiction": court}
    values |= {"starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2026, 12, 28)} | terms
    return mandates.create(contact, Terms(**values), by=staff)


def statuses(mandate, when: dt.datetime) -> tuple[str, list[tuple[int, int, str]]]:
    found = compliance_of(mandate, when)
    return found.status, [(p.required, p.attended, p.status) for p in found.periods]


def test_met_every_week(hope, staff, court):
    ana = ContactFactory(consenting=True)
    mandate = order(ana, staff)
    for day in (1, 2, 3, 8, 9, 10, 15, 16, 17):
        attend(ana, hope, day)
    # Mid-month: three weeks met (the third on its Thursday), the fourth to come.
    assert statuses(mandate, pst(18, 9)) == (
        "compliant",
        [(3, 3, "met"), (3, 3, "met"), (3, 3, "met"), (3, 0, "upcoming")],
    )
    for day in (22, 23, 24):
        attend(ana, hope, day)
    assert statuses(mandate, pst(29, 9)) == ("completed", [(3, 3, "met")] * 4)


def test_behind_in_week_three_then_caught_up(hope, staff, court):
    ben = ContactFactory(consenting=True)
    mandate = order(ben, staff)
    for day in (1, 2, 3, 8, 9, 10):
        attend(ben, hope, day)
    # Week 3 runs 15-21 December. At noon on Friday 18th, 3.5 of its 7 days have passed:
    # the line is floor(3 x 0.5) = 1 and Ben has 0.
    assert statuses(mandate, pst(18, 12)) == (
        "at_risk",
        [(3, 3, "met"), (3, 3, "met"), (3, 0, "behind"), (3, 0, "upcoming")],
    )
    # A second before the line reaches 1 (Wednesday 17th, 7:59:59 am: 7/3 days in), on track.
    assert statuses(mandate, pst(17, 8) - dt.timedelta(seconds=1))[1][2] == (3, 0, "on_track")
    assert statuses(mandate, pst(17, 8))[1][2] == (3, 0, "behind")
    for day in (19, 20, 21):
        attend(ben, hope, day)
    assert statuses(mandate, pst(22, 9)) == (
        "compliant",
        [(3, 3, "met"), (3, 3, "met"), (3, 3, "met"), (3, 0, "on_track")],
    )
    for day in (22, 23, 24):
        attend(ben, hope, day)
    assert statuses(mandate, pst(29, 0)) == ("completed", [(3, 3, "met")] * 4)


def test_missed_a_week_because_one_session_was_left_early(hope, staff, court):
    cara = ContactFactory(consenting=True)
    mandate = order(cara, staff)
    for day in (1, 2, 3, 8, 9, 15, 16, 17, 22, 23, 24):
        attend(cara, hope, day)
    early = attend(cara, hope, 10, leave_at=(19, 40))
    assert early.outcome == "partial"
    assert "left_early" in early.outcome_reasons.split()
    found = compliance_of(mandate, pst(29, 9))
    assert found.status == "non_compliant"
    assert [(p.attended, p.status) for p in found.periods] == [(3, "met"), (2, "missed"), (3, "met"), (3, "met")]
    assert early in found.not_counted
    # Non-compliant from the moment week 2 ended: midnight after Monday 14th, Portland time.
    assert statuses(mandate, pst(15, 0) - dt.timedelta(microseconds=1))[0] == "compliant"
    assert statuses(mandate, pst(15, 0))[0] == "non_compliant"


def test_twelve_in_thirty_days_ends_non_compliant(hope, staff, court):
    dan = ContactFactory(consenting=True)
    mandate = order(dan, staff, required_count=12, period="rolling", rolling_days=30, ends_on=dt.date(2026, 12, 30))
    for day in (1, 3, 5, 8, 10, 12, 15, 17, 19):
        attend(dan, hope, day)
    found = compliance_of(mandate, pst(20, 12))
    # 19.5 of 30 days: the line is floor(12 x 0.65) = 7, and Dan has 9.
    assert (found.status, [(p.required, p.attended, p.status) for p in found.periods]) == (
        "compliant",
        [(12, 9, "on_track")],
    )
    attend(dan, hope, 22)
    assert statuses(mandate, pst(31, 0)) == ("non_compliant", [(12, 10, "missed")])


def test_a_mandate_for_aa_ignores_an_attended_smart_meeting(hope, smart, staff, court):
    eve = ContactFactory(consenting=True)
    aa = MeetingKind.objects.get(slug="aa")
    mandate = order(eve, staff, required_count=2, kinds=[aa], ends_on=dt.date(2026, 12, 14))
    attend(eve, hope, 1)
    attend(eve, hope, 3)
    attend(eve, hope, 9)
    smart_session = attend(eve, smart, 10)
    assert smart_session.outcome == "attended"
    found = compliance_of(mandate, pst(15, 9))
    assert found.status == "non_compliant"
    assert [(p.required, p.attended, p.status) for p in found.periods] == [(2, 2, "met"), (2, 1, "missed")]
    assert smart_session in found.not_counted
    assert smart_session.pk not in found.periods[1].session_ids


def test_dashboard_lists_behind_and_missed_last_period(hope, staff, court):
    from mandates.queries import behind, missed_last_period

    ben, cara = ContactFactory(consenting=True), ContactFactory(consenting=True)
    ben_order, cara_order = order(ben, staff), order(cara, staff)
    for day in (1, 2, 3):
        attend(ben, hope, day)
    attend(cara, hope, 1)
    # Wednesday 9th: week 2 is 1/7 + 19 h in; the line is still 0, so nobody is behind this
    # week; Cara missed week 1 (1 of 3), Ben met it.
    assert list(behind(pst(9, 0))) == []
    assert list(missed_last_period(pst(9, 0))) == [cara_order]
    # Friday 11th noon: the line is floor(3 x 3.5 / 7) = 1; both have 0 this week.
    assert set(behind(pst(11, 12))) == {ben_order, cara_order}
    # Once week 2 ends, "last period" is week 2, which both missed.
    assert set(missed_last_period(pst(15, 1))) == {ben_order, cara_order}
