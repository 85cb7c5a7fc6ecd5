"""attendance.outcomes.judge at and around each rule's edge, as a pure function (no database)."""

import datetime as dt

import pytest

from attendance.outcomes import Facts, Mark, Outcome, Reason, Rules, judge

START = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)  # 7 pm PST
END = START + dt.timedelta(minutes=90)
RULES = Rules(
    on_time_after_start=dt.timedelta(minutes=10),
    check_out_from_before_end=dt.timedelta(minutes=10),
    min_stay_percent=75,
    min_stay_without_times=dt.timedelta(minutes=60),
    check_out_must_be_verified=True,
)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def facts(check_in: Mark | None, check_out: Mark | None, **kwargs) -> Facts:
    kwargs.setdefault("occurrence_start", START)
    kwargs.setdefault("occurrence_end", END)
    return Facts(is_open=kwargs.pop("is_open", False), check_in=check_in, check_out=check_out, **kwargs)


def mark(offset: dt.timedelta, verified: bool = True, sent_late: bool = False) -> Mark:
    return Mark(START + offset, verified, sent_late)


def test_the_whole_meeting_is_attended():
    found = judge(facts(mark(-minutes(5)), mark(minutes(91))), RULES)
    assert (found.outcome, found.reasons, found.minutes_attended, found.minutes_scheduled) == (
        Outcome.ATTENDED,
        (),
        90,
        90,
    )


@pytest.mark.parametrize(
    ("stay_out", "reasons"),
    [
        # 75% of 90 minutes is 67.5: from the start, a check-out at 67:30 is exactly enough...
        (minutes(67.5), (Reason.LEFT_EARLY,)),
        # ...a second less is short.
        (minutes(67.5) - dt.timedelta(seconds=1), (Reason.LEFT_EARLY, Reason.SHORT_STAY)),
    ],
)
def test_the_minimum_stay_edge(stay_out, reasons):
    assert judge(facts(mark(minutes(0)), mark(stay_out)), RULES).reasons == reasons


def test_the_stay_counts_only_inside_the_scheduled_time():
    found = judge(facts(mark(-minutes(30)), mark(minutes(150))), RULES)
    assert found.seconds_attended == 90 * 60


def test_a_check_out_before_the_check_in_attends_nothing():
    found = judge(facts(mark(minutes(5)), mark(minutes(1))), RULES)
    assert found.seconds_attended == 0
    assert Reason.SHORT_STAY in found.reasons


def test_an_unverified_check_out_does_not_count_unless_the_policy_allows_it():
    lenient = Rules(**{**RULES.__dict__, "check_out_must_be_verified": False})
    assert judge(facts(mark(0 * minutes(1)), mark(minutes(90), verified=False)), RULES).reasons == (
        Reason.CHECK_OUT_NOT_VERIFIED,
    )
    assert judge(facts(mark(0 * minutes(1)), mark(minutes(90), verified=False)), lenient).outcome == Outcome.ATTENDED


def test_every_reason_at_once_in_the_reports_order():
    found = judge(
        facts(mark(minutes(40), sent_late=True), mark(minutes(50), verified=False), self_declared_destination=True),
        RULES,
    )
    assert found.reasons == (
        Reason.ARRIVED_LATE,
        Reason.LEFT_EARLY,
        Reason.SHORT_STAY,
        Reason.CHECK_OUT_NOT_VERIFIED,
        Reason.SENT_LATE,
        Reason.SELF_DECLARED_DESTINATION,
    )


def test_without_a_verified_check_in_it_is_not_verified():
    found = judge(facts(None, mark(minutes(90))), RULES)
    assert (found.outcome, found.reasons) == (Outcome.NOT_VERIFIED, (Reason.NO_VERIFIED_CHECK_IN,))


def test_a_self_declared_destination_is_never_attended():
    found = judge(
        facts(
            mark(minutes(0)),
            mark(minutes(61)),
            occurrence_start=None,
            occurrence_end=None,
            self_declared_destination=True,
        ),
        RULES,
    )
    assert (found.outcome, found.reasons) == (Outcome.PARTIAL, (Reason.SELF_DECLARED_DESTINATION,))


def test_an_open_session_is_open_whatever_it_holds():
    found = judge(facts(mark(minutes(0)), None, is_open=True), RULES)
    assert (found.outcome, found.reasons, found.seconds_attended, found.minutes_scheduled) == (
        Outcome.OPEN,
        (),
        None,
        90,
    )


def test_a_meeting_with_a_start_and_no_end_uses_the_minimum_minutes():
    no_end = {"occurrence_end": None}
    assert judge(facts(mark(minutes(0)), mark(minutes(60)), **no_end), RULES).outcome == Outcome.ATTENDED
    assert judge(facts(mark(minutes(0)), mark(minutes(59)), **no_end), RULES).reasons == (Reason.SHORT_STAY,)
    assert judge(facts(mark(minutes(11)), mark(minutes(80)), **no_end), RULES).reasons == (Reason.ARRIVED_LATE,)
    # Time before the start does not count towards the minimum.
    early = judge(facts(mark(-minutes(20)), mark(minutes(50)), **no_end), RULES)
    assert (early.seconds_attended, early.reasons) == (50 * 60, (Reason.SHORT_STAY,))
