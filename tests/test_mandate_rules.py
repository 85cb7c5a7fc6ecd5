"""Each rule of mandates at and around its edges (README: "Mandates and compliance"): how the
periods are cut, the line that separates on track from behind, each status, the checks on an
order's terms, ending early, deleting, and that the SQL status agrees with the Python one."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from attendance.models import Session
from attendance.outcomes import Outcome
from mandates import services
from mandates.models import Mandate, MandatePeriod
from mandates.periods import MAX_DAYS, Span, spans
from mandates.queries import compliance_of, status_filter, with_status
from mandates.services import MandateError, Terms
from mandates.status import MandateStatus, PeriodStatus, behind_from, line, mandate_status, period_status
from meetings.models import MeetingKind
from policies.models import Jurisdiction
from tests.factories import ContactFactory, MeetingFactory, SessionFactory, StaffUserFactory

D = dt.date
UTC = dt.UTC
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


class TestPeriods:
    def test_weeks_are_consecutive_seven_day_periods_from_the_first_day(self):
        found = spans("week", 3, D(2026, 12, 2), D(2026, 12, 22), None)
        assert found == [
            Span(1, D(2026, 12, 2), D(2026, 12, 8), 3),
            Span(2, D(2026, 12, 9), D(2026, 12, 15), 3),
            Span(3, D(2026, 12, 16), D(2026, 12, 22), 3),
        ]

    def test_the_orders_own_short_last_week_requires_its_share_rounded_up(self):
        # 3 a week, the last week 5 of 7 days long: ceil(3 x 5 / 7) = 3; 2 days: ceil(6/7) = 1.
        last = spans("week", 3, D(2026, 12, 1), D(2026, 12, 12), None)[-1]
        assert last == Span(2, D(2026, 12, 8), D(2026, 12, 12), 3)
        assert spans("week", 3, D(2026, 12, 1), D(2026, 12, 9), None)[-1].required == 1
        # An order of whole weeks: no cut.
        assert spans("week", 3, D(2026, 12, 1), D(2026, 12, 7), None)[-1].required == 3

    def test_one_a_month_over_less_than_a_month_still_requires_one(self):
        assert spans("month", 1, D(2026, 12, 1), D(2026, 12, 28), None) == [Span(1, D(2026, 12, 1), D(2026, 12, 28), 1)]

    def test_a_week_cut_by_ending_early_requires_its_share_rounded_down(self):
        # Ended after 5 of 7 days: floor(3 x 5 / 7) = 2; after 2 days: floor(6/7) = 0.
        assert spans("week", 3, D(2026, 12, 1), D(2026, 12, 12), None, ended_early=True)[-1].required == 2
        assert spans("week", 3, D(2026, 12, 1), D(2026, 12, 9), None, ended_early=True)[-1].required == 0

    def test_months_run_from_the_first_days_day_of_the_month(self):
        found = spans("month", 8, D(2026, 1, 15), D(2026, 4, 14), None)
        assert [(s.starts_on, s.ends_on) for s in found] == [
            (D(2026, 1, 15), D(2026, 2, 14)),
            (D(2026, 2, 15), D(2026, 3, 14)),
            (D(2026, 3, 15), D(2026, 4, 14)),
        ]
        assert {s.required for s in found} == {8}

    def test_a_month_from_the_31st_clamps_to_shorter_months_each_counted_from_the_first_day(self):
        found = spans("month", 4, D(2027, 1, 31), D(2027, 4, 29), None)
        assert [(s.starts_on, s.ends_on) for s in found] == [
            (D(2027, 1, 31), D(2027, 2, 27)),
            (D(2027, 2, 28), D(2027, 3, 30)),
            (D(2027, 3, 31), D(2027, 4, 29)),
        ]

    def test_whole_is_one_period(self):
        assert spans("whole", 90, D(2026, 1, 1), D(2026, 3, 31), None) == [Span(1, D(2026, 1, 1), D(2026, 3, 31), 90)]

    def test_rolling_is_every_window_of_its_days_inside_the_mandate(self):
        found = spans("rolling", 12, D(2026, 12, 1), D(2026, 12, 31), 30)
        assert [(s.starts_on, s.ends_on, s.required) for s in found] == [
            (D(2026, 12, 1), D(2026, 12, 30), 12),
            (D(2026, 12, 2), D(2026, 12, 31), 12),
        ]

    def test_a_rolling_mandate_ended_before_one_window_has_one_cut_window(self):
        found = spans("rolling", 12, D(2026, 12, 1), D(2026, 12, 15), 30, ended_early=True)
        assert found == [Span(1, D(2026, 12, 1), D(2026, 12, 15), 6)]

    def test_a_day_long_mandate_requires_one(self):
        assert spans("week", 1, D(2026, 12, 1), D(2026, 12, 1), None) == [Span(1, D(2026, 12, 1), D(2026, 12, 1), 1)]


class Figures:
    def __init__(self, starts_at, ends_at, required, attended):
        self.starts_at, self.ends_at, self.required, self.attended = starts_at, ends_at, required, attended


WEEK_START = dt.datetime(2026, 12, 1, tzinfo=UTC)
WEEK_END = WEEK_START + dt.timedelta(days=7)


class TestStatusOfAPeriod:
    def test_upcoming_until_it_starts(self):
        period = Figures(WEEK_START, WEEK_END, 3, 0)
        assert period_status(period, WEEK_START - dt.timedelta(microseconds=1)) == PeriodStatus.UPCOMING
        assert period_status(period, WEEK_START) == PeriodStatus.ON_TRACK

    def test_met_as_soon_as_attended_reaches_required_running_or_over(self):
        assert period_status(Figures(WEEK_START, WEEK_END, 3, 3), WEEK_START + dt.timedelta(hours=1)) == "met"
        assert period_status(Figures(WEEK_START, WEEK_END, 3, 4), WEEK_END + dt.timedelta(days=9)) == "met"

    def test_missed_from_the_moment_it_ends_below_the_requirement(self):
        period = Figures(WEEK_START, WEEK_END, 3, 2)
        assert period_status(period, WEEK_END - dt.timedelta(microseconds=1)) == PeriodStatus.ON_TRACK
        assert period_status(period, WEEK_END) == PeriodStatus.MISSED

    @pytest.mark.parametrize(
        ("attended", "line_reached_after"),
        # 3 a week: the line is 1 after 7/3 days, 2 after 14/3 days.
        [(0, dt.timedelta(days=7) / 3), (1, dt.timedelta(days=14) / 3)],
    )
    def test_behind_from_the_moment_the_line_passes_what_it_holds(self, attended, line_reached_after):
        period = Figures(WEEK_START, WEEK_END, 3, attended)
        moment = behind_from(WEEK_START, WEEK_END, 3, attended)
        assert moment == WEEK_START + line_reached_after
        assert period_status(period, moment - dt.timedelta(microseconds=1)) == PeriodStatus.ON_TRACK
        assert period_status(period, moment) == PeriodStatus.BEHIND
        assert line(period, moment) == attended + 1

    def test_one_short_of_the_requirement_is_never_behind_only_missed_at_the_end(self):
        assert behind_from(WEEK_START, WEEK_END, 3, 2) == WEEK_END
        period = Figures(WEEK_START, WEEK_END, 3, 2)
        assert period_status(period, WEEK_END - dt.timedelta(microseconds=1)) == PeriodStatus.ON_TRACK

    def test_behind_from_rounds_up_to_the_microsecond(self):
        # 7 days / 11 is not a whole number of microseconds: the moment is the first after it.
        moment = behind_from(WEEK_START, WEEK_END, 11, 0)
        exact_us = dt.timedelta(days=7) / dt.timedelta(microseconds=1) / 11
        assert (moment - WEEK_START) / dt.timedelta(microseconds=1) == int(exact_us) + 1

    def test_met_has_no_behind_moment(self):
        assert behind_from(WEEK_START, WEEK_END, 3, 3) is None

    def test_a_period_requiring_nothing_is_met_once_started(self):
        assert period_status(Figures(WEEK_START, WEEK_END, 0, 0), WEEK_START) == PeriodStatus.MET


class TestStatusOfAMandate:
    def test_non_compliant_wins_over_everything(self):
        assert mandate_status(["met", "missed", "behind"], ended=True) == MandateStatus.NON_COMPLIANT

    def test_completed_when_over_and_every_period_met(self):
        assert mandate_status(["met", "met"], ended=True) == MandateStatus.COMPLETED

    def test_at_risk_when_none_missed_and_the_current_one_behind(self):
        assert mandate_status(["met", "behind", "upcoming"], ended=False) == MandateStatus.AT_RISK

    def test_compliant_otherwise_including_before_it_starts(self):
        assert mandate_status(["met", "on_track", "upcoming"], ended=False) == MandateStatus.COMPLIANT
        assert mandate_status(["upcoming"], ended=False) == MandateStatus.COMPLIANT


@pytest.fixture
def staff():
    return StaffUserFactory()


@pytest.fixture
def court():
    return Jurisdiction.objects.create(name="Test court", kind="court", time_zone="America/Los_Angeles")


def terms(**changes) -> Terms:
    values = {
        "case_number": "CR-1",
        "required_count": 3,
        "period": "week",
        "starts_on": D(2026, 12, 1),
        "ends_on": D(2026, 12, 28),
    }
    return Terms(**(values | changes))


@pytest.mark.django_db
class TestTheOrdersTerms:
    @pytest.mark.parametrize(
        ("changes", "code", "field"),
        [
            ({"required_count": 0}, "invalid_count", "required_count"),
            ({"ends_on": D(2026, 11, 30)}, "invalid_dates", "ends_on"),
            ({"period": "fortnight"}, "invalid_period", "period"),
            ({"period": "rolling"}, "rolling_days_required", "rolling_days"),
            ({"period": "rolling", "rolling_days": 0}, "rolling_days_required", "rolling_days"),
            ({"period": "rolling", "rolling_days": 29}, "window_too_long", "rolling_days"),
            ({"rolling_days": 7}, "rolling_days_not_allowed", "rolling_days"),
            ({"ends_on": D(2026, 12, 1) + dt.timedelta(days=MAX_DAYS)}, "too_long", "ends_on"),
            ({"case_number": "  "}, "invalid_case_number", "case_number"),
            ({"starts_on": D(9999, 12, 1), "ends_on": D(9999, 12, 31)}, "invalid_dates", "starts_on"),
            ({"starts_on": D(2999, 12, 1), "ends_on": D(3000, 1, 1)}, "invalid_dates", "ends_on"),
            ({"starts_on": D(1969, 12, 31)}, "invalid_dates", "starts_on"),
        ],
    )
    def test_a_bad_combination_is_refused_naming_the_field(self, staff, changes, code, field):
        with pytest.raises(MandateError) as refused:
            services.create(ContactFactory(), terms(**changes), by=staff)
        assert (refused.value.code, refused.value.field, refused.value.http_status) == (code, field, 400)
        assert not Mandate.objects.exists()

    def test_the_edges_are_accepted(self, staff):
        services.create(ContactFactory(), terms(required_count=1, ends_on=D(2026, 12, 1)), by=staff)
        services.create(ContactFactory(), terms(period="rolling", rolling_days=28), by=staff)
        services.create(ContactFactory(), terms(ends_on=D(2026, 12, 1) + dt.timedelta(days=MAX_DAYS - 1)), by=staff)
        services.create(ContactFactory(), terms(starts_on=D(2999, 12, 25), ends_on=D(2999, 12, 31)), by=staff)
        assert Mandate.objects.count() == 4

    def test_periods_are_counted_in_the_courts_zone(self, staff, court):
        mandate = services.create(ContactFactory(), terms(jurisdiction=court), by=staff)
        first = mandate.periods.order_by("number").first()
        assert first.starts_at == dt.datetime(2026, 12, 1, tzinfo=PACIFIC)
        assert first.ends_at == dt.datetime(2026, 12, 8, tzinfo=PACIFIC)
        assert mandate.ends_at == dt.datetime(2026, 12, 29, tzinfo=PACIFIC)

    def test_a_period_across_the_start_of_daylight_saving_time_is_a_day_shorter_by_an_hour(self, staff, court):
        mandate = services.create(
            ContactFactory(), terms(jurisdiction=court, starts_on=D(2027, 3, 8), ends_on=D(2027, 3, 21)), by=staff
        )
        first = mandate.periods.order_by("number").first()
        assert first.ends_at - first.starts_at == dt.timedelta(days=7, hours=-1)

    def test_the_history_keeps_each_change_of_terms(self, staff):
        mandate = services.create(ContactFactory(), terms(), by=staff)
        aa = MeetingKind.objects.get(slug="aa")
        services.change(mandate, terms(required_count=2, kinds=[aa]), by=staff)
        history = list(mandate.history.order_by("history_date"))
        # The terms, then the kinds (simple_history records the many-to-many change as its own row).
        assert history[0].required_count == 3
        assert {h.required_count for h in history[1:]} == {2}
        assert history[-1].history_user == staff
        assert [link.kind_id for link in history[-1].meeting_kinds.all()] == [aa.pk]


def attended_session(contact, meeting, start: dt.datetime, outcome: str = Outcome.ATTENDED) -> Session:
    session = SessionFactory(contact=contact, meeting=meeting, status="completed")
    Session.objects.filter(pk=session.pk).update(
        occurrence_start=start, occurrence_end=start + dt.timedelta(hours=1), outcome=outcome
    )
    return session


@pytest.mark.django_db
class TestCounting:
    def test_a_session_counts_once_in_the_period_holding_its_occurrence(self, staff, court):
        contact = ContactFactory()
        meeting = MeetingFactory()
        mandate = services.create(contact, terms(jurisdiction=court), by=staff)
        # The last moment of week 1 and the first of week 2, Pacific time.
        attended_session(contact, meeting, dt.datetime(2026, 12, 8, tzinfo=PACIFIC) - dt.timedelta(microseconds=1))
        attended_session(contact, meeting, dt.datetime(2026, 12, 8, tzinfo=PACIFIC))
        # Before the first day and after the last: not counted.
        attended_session(contact, meeting, dt.datetime(2026, 12, 1, tzinfo=PACIFIC) - dt.timedelta(microseconds=1))
        attended_session(contact, meeting, dt.datetime(2026, 12, 29, tzinfo=PACIFIC))
        services.change(mandate, terms(jurisdiction=court), by=staff)
        assert list(mandate.periods.order_by("number").values_list("attended", flat=True)) == [1, 1, 0, 0]

    def test_only_attended_sessions_count(self, staff):
        contact = ContactFactory()
        meeting = MeetingFactory()
        for outcome in (Outcome.PARTIAL, Outcome.NOT_VERIFIED, Outcome.OPEN):
            attended_session(contact, meeting, dt.datetime(2026, 12, 2, 19, tzinfo=UTC), outcome)
        mandate = services.create(contact, terms(), by=staff)
        assert mandate.periods.get(number=1).attended == 0

    def test_another_contacts_sessions_never_count(self, staff):
        attended_session(ContactFactory(), MeetingFactory(), dt.datetime(2026, 12, 2, 19, tzinfo=UTC))
        mandate = services.create(ContactFactory(), terms(), by=staff)
        assert mandate.periods.get(number=1).attended == 0

    def test_a_meeting_with_two_qualifying_kinds_counts_once(self, staff):
        contact = ContactFactory()
        meeting = MeetingFactory()
        aa, na = MeetingKind.objects.get(slug="aa"), MeetingKind.objects.get(slug="na")
        meeting.kinds.set([aa, na])
        attended_session(contact, meeting, dt.datetime(2026, 12, 2, 19, tzinfo=UTC))
        mandate = services.create(contact, terms(kinds=[aa, na], meetings=[meeting]), by=staff)
        assert mandate.periods.get(number=1).attended == 1

    def test_a_listed_meeting_qualifies_without_the_kind(self, staff):
        contact = ContactFactory()
        listed, other = MeetingFactory(), MeetingFactory()
        attended_session(contact, listed, dt.datetime(2026, 12, 2, 19, tzinfo=UTC))
        attended_session(contact, other, dt.datetime(2026, 12, 3, 19, tzinfo=UTC))
        mandate = services.create(
            contact, terms(meetings=[listed], kinds=[MeetingKind.objects.get(slug="aa")]), by=staff
        )
        assert mandate.periods.get(number=1).attended == 1

    def test_a_destination_without_a_meeting_does_not_count_as_any_meeting(self, staff):
        contact = ContactFactory()
        session = SessionFactory(contact=contact, meeting=None, status="completed")
        Session.objects.filter(pk=session.pk).update(
            outcome=Outcome.ATTENDED, created_at=dt.datetime(2026, 12, 2, 19, tzinfo=UTC)
        )
        mandate = services.create(contact, terms(), by=staff)
        assert mandate.periods.get(number=1).attended == 0


@pytest.mark.django_db
class TestEndingAndDeleting:
    def test_ending_early_cuts_the_running_period_to_its_share(self, staff, court):
        mandate = services.create(ContactFactory(), terms(jurisdiction=court), by=staff)
        services.end_early(mandate, last_day=D(2026, 12, 10), reason="Case dismissed", by=staff)
        periods = list(MandatePeriod.objects.filter(mandate=mandate).order_by("number"))
        # Week 2 ran 3 of its 7 days: floor(3 x 3 / 7) = 1.
        assert [(p.starts_on, p.ends_on, p.required) for p in periods] == [
            (D(2026, 12, 1), D(2026, 12, 7), 3),
            (D(2026, 12, 8), D(2026, 12, 10), 1),
        ]
        mandate.refresh_from_db()
        assert (mandate.ended_on, mandate.end_reason, mandate.ended_by) == (D(2026, 12, 10), "Case dismissed", staff)

    @pytest.mark.parametrize(
        ("last_day", "reason", "code"),
        [
            (D(2026, 11, 30), "Moved", "end_outside_dates"),
            (D(2026, 12, 29), "Moved", "end_outside_dates"),
            (D(2026, 12, 10), " ", "reason_required"),
        ],
    )
    def test_ending_early_refuses(self, staff, last_day, reason, code):
        mandate = services.create(ContactFactory(), terms(), by=staff)
        with pytest.raises(MandateError) as refused:
            services.end_early(mandate, last_day=last_day, reason=reason, by=staff)
        assert refused.value.code == code

    def test_a_mandate_ends_early_once(self, staff):
        mandate = services.create(ContactFactory(), terms(), by=staff)
        services.end_early(mandate, last_day=D(2026, 12, 10), reason="Transferred", by=staff)
        with pytest.raises(MandateError) as refused:
            services.end_early(mandate, last_day=D(2026, 12, 12), reason="Again", by=staff)
        assert refused.value.code == "already_ended"

    def test_deleted_while_no_period_has_ended(self, staff):
        mandate = services.create(ContactFactory(), terms(), by=staff)
        with time_machine.travel(dt.datetime(2026, 12, 7, 23, 59, tzinfo=UTC)):
            services.delete(mandate, by=staff)
        assert not Mandate.objects.exists()
        assert not MandatePeriod.objects.exists()

    def test_never_deleted_once_a_period_has_passed(self, staff):
        mandate = services.create(ContactFactory(), terms(), by=staff)
        with time_machine.travel(dt.datetime(2026, 12, 8, tzinfo=UTC)), pytest.raises(MandateError) as refused:
            services.delete(mandate, by=staff)
        assert (refused.value.code, refused.value.http_status) == ("period_passed", 409)
        assert Mandate.objects.filter(pk=mandate.pk).exists()


@pytest.mark.django_db
def test_the_sql_status_agrees_with_the_python_status_at_every_edge(staff):
    """Five mandates, each in one state, checked at moments around each period's edges."""
    contact = ContactFactory()
    meeting = MeetingFactory()
    mandates = [services.create(contact, terms(case_number=f"CR-{n}", required_count=n), by=staff) for n in (1, 2, 3)]
    for day in (1, 2, 3, 9):
        attended_session(contact, meeting, dt.datetime(2026, 12, day, 19, tzinfo=UTC))
    for mandate in mandates:
        services.change(
            mandate, terms(case_number=mandate.case_number, required_count=mandate.required_count), by=staff
        )
    moments = set()
    for period in MandatePeriod.objects.all():
        for edge in (period.starts_at, period.ends_at, period.behind_from):
            if edge is not None:
                moments |= {edge - dt.timedelta(microseconds=1), edge, edge + dt.timedelta(microseconds=1)}
    for moment in sorted(moments):
        in_sql = dict(with_status(Mandate.objects.all(), moment).values_list("pk", "status"))
        for mandate in mandates:
            assert in_sql[mandate.pk] == compliance_of(mandate, moment).status, (mandate.case_number, moment)
            for status in MandateStatus.values:
                matched = Mandate.objects.filter(status_filter(status, moment), pk=mandate.pk).exists()
                assert matched == (in_sql[mandate.pk] == status)


@pytest.mark.django_db
def test_a_change_of_the_courts_zone_moves_its_orders_days(staff, court):
    mandate = services.create(ContactFactory(), terms(jurisdiction=court), by=staff)
    court.time_zone = "America/New_York"
    court.save()
    first = mandate.periods.order_by("number").first()
    assert first.starts_at == dt.datetime(2026, 12, 1, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    mandate.refresh_from_db()
    assert mandate.time_zone == "America/New_York"


@pytest.mark.django_db
def test_recount_mandates_rebuilds_figures_written_around_the_services(staff):
    contact = ContactFactory()
    mandate = services.create(contact, terms(), by=staff)
    attended_session(contact, MeetingFactory(), dt.datetime(2026, 12, 2, 19, tzinfo=UTC))
    assert mandate.periods.get(number=1).attended == 0

    call_command("recount_mandates", stdout=io.StringIO())
    assert mandate.periods.get(number=1).attended == 1


# --- Found in review ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_meeting_given_or_losing_a_qualifying_kind_recounts_the_orders_by_that_kind(staff):
    contact = ContactFactory()
    meeting = MeetingFactory()
    aa = MeetingKind.objects.get(slug="aa")
    session = attended_session(contact, meeting, dt.datetime(2026, 12, 2, 19, tzinfo=UTC))
    mandate = services.create(contact, terms(kinds=[aa]), by=staff)
    assert mandate.periods.get(number=1).attended == 0
    meeting.kinds.add(aa)
    assert mandate.periods.get(number=1).attended == 1
    found = compliance_of(mandate, dt.datetime(2026, 12, 3, tzinfo=UTC))
    assert (found.periods[0].attended, found.periods[0].session_ids) == (1, [session.pk])
    meeting.kinds.set([])
    assert mandate.periods.get(number=1).attended == 0
    # From the kind's side, and by the row itself.
    aa.meetings.add(meeting)
    assert mandate.periods.get(number=1).attended == 1
    meeting.kind_assignments.get(kind=aa).delete()
    assert mandate.periods.get(number=1).attended == 0


def test_a_whole_mandate_ended_early_requires_its_share_rounded_down():
    # 90 meetings over 90 days, ended after 30: floor(90 x 30 / 90) = 30.
    found = spans("whole", 90, D(2026, 1, 1), D(2026, 1, 30), None, ended_early=True, ordered_last_day=D(2026, 3, 31))
    assert found == [Span(1, D(2026, 1, 1), D(2026, 1, 30), 30)]


@pytest.mark.django_db
def test_a_whole_mandate_ended_early_is_judged_on_its_share(staff):
    mandate = services.create(ContactFactory(), terms(period="whole", required_count=28), by=staff)
    services.end_early(mandate, last_day=D(2026, 12, 7), reason="Order vacated", by=staff)
    assert list(mandate.periods.values_list("required", flat=True)) == [7]


@pytest.mark.django_db
def test_never_deleted_once_a_court_report_was_issued(staff):
    from mandates import court_report

    mandate = services.create(ContactFactory(), terms(), by=staff)
    with time_machine.travel(dt.datetime(2026, 12, 2, 12, tzinfo=UTC)):
        court_report.issue(mandate, D(2026, 12, 1), D(2026, 12, 2), by=staff)
        assert not services.deletable(mandate)
        with pytest.raises(MandateError) as refused:
            services.delete(mandate, by=staff)
    assert (refused.value.code, refused.value.http_status) == ("report_issued", 409)
    assert Mandate.objects.filter(pk=mandate.pk).exists()


@pytest.mark.django_db
def test_a_count_beyond_any_order_is_refused_naming_the_field(staff):
    for count in (services.MAX_COUNT + 1, 10**20):
        with pytest.raises(MandateError) as refused:
            services.create(ContactFactory(), terms(required_count=count), by=staff)
        assert (refused.value.code, refused.value.field) == ("invalid_count", "required_count")
    services.create(ContactFactory(), terms(required_count=services.MAX_COUNT), by=staff)


@pytest.mark.django_db
def test_a_rolling_orders_report_shows_the_worst_window_of_the_days_it_covers(staff):
    from mandates import court_report

    contact = ContactFactory()
    meeting = MeetingFactory()
    for day in range(1, 15):
        attended_session(contact, meeting, dt.datetime(2026, 12, day, 19, tzinfo=UTC))
    mandate = services.create(contact, terms(period="rolling", required_count=2, rolling_days=7), by=staff)
    now = dt.datetime(2026, 12, 29, 12, tzinfo=UTC)
    # Overall, the worst windows are the empty ones after the 14th.
    assert compliance_of(mandate, now).periods[0].attended == 0
    content = court_report.build(mandate, D(2026, 12, 1), D(2026, 12, 7), number="VC-TEST", by=staff, now=now)
    [window] = content["periods"]
    assert (window["status"], window["attended"]) == ("met", 7)


@pytest.mark.django_db
def test_the_staff_form_answers_a_huge_count_with_the_field_in_error(client, staff):
    from django.urls import reverse

    from tests.factories import SuperUserFactory

    contact = ContactFactory()
    client.force_login(SuperUserFactory())
    form = {
        "case_number": "CR-9",
        "jurisdiction": "00000000-0000-4000-8000-000000000001",
        "required_count": str(10**20),
        "period": "week",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-28",
    }
    response = client.post(f"{reverse('mandates:create')}?contact={contact.pk}", form)
    assert response.status_code == 200
    assert "required_count" in response.context["form"].errors
    assert not Mandate.objects.exists()


@pytest.mark.django_db
def test_the_delete_page_and_the_api_refuse_once_a_report_was_issued(client, staff):
    from django.urls import reverse

    from access.models import ApiToken
    from mandates import court_report
    from tests.conftest import bearer_client
    from tests.factories import SuperUserFactory

    mandate = services.create(ContactFactory(), terms(), by=staff)
    root = SuperUserFactory()
    with time_machine.travel(dt.datetime(2026, 12, 2, 12, tzinfo=UTC)):
        court_report.issue(mandate, D(2026, 12, 1), D(2026, 12, 2), by=staff)
        client.force_login(root)
        assert client.post(reverse("mandates:delete", args=[mandate.pk])).status_code == 409
        api = bearer_client(ApiToken.issue(user=root, name="t")[1])
        answer = api.delete(f"/api/v1/mandates/{mandate.pk}/")
    assert (answer.status_code, answer.json()["code"]) == (409, "report_issued")
    assert Mandate.objects.filter(pk=mandate.pk).exists()
