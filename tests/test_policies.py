"""Jurisdictions and their policy versions: publishing, the version in force, immutability, and
sessions recorded before policies judged by migration 0015."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from attendance.models import AppendOnlyError, EventType, LocationFlag, RefusedAttempt, Session, SessionStatus
from policies.models import (
    DEFAULT_JURISDICTION_ID,
    DEFAULT_VERSION_ID,
    ImmutableVersionError,
    Jurisdiction,
    PolicyVersion,
)
from policies.services import PolicyError, in_force, publish
from tests.factories import ContactFactory, SessionEventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def default():
    return Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID)


def test_the_default_jurisdiction_and_version_exist_from_the_start(default):
    (version,) = default.versions.all()
    assert (version.pk, version.number, version.effective_from) == (
        DEFAULT_VERSION_ID,
        1,
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    )
    defaults = (
        version.default_radius_m,
        version.max_accuracy_m,
        version.check_in_opens_before,
        version.on_time_after_start,
        version.check_out_from_before_end,
        version.min_stay_percent,
        version.min_stay_without_times,
        version.check_out_must_be_verified,
        version.max_send_delay,
        version.close_after_end,
    )
    minutes = dt.timedelta(minutes=1)
    assert defaults == (
        100,
        150,
        30 * minutes,
        10 * minutes,
        10 * minutes,
        75,
        60 * minutes,
        True,
        10 * minutes,
        120 * minutes,
    )


class TestPublishing:
    def test_a_new_version_keeps_the_rules_not_given_and_takes_effect_from_its_time(self, default):
        publisher = UserFactory()
        with time_machine.travel(NOW, tick=False):
            version = publish(
                default, {"min_stay_percent": 90}, effective_from=NOW + dt.timedelta(days=1), published_by=publisher
            )
        assert (version.number, version.min_stay_percent, version.max_send_delay) == (2, 90, dt.timedelta(minutes=10))
        assert version.published_by == publisher
        assert in_force(DEFAULT_JURISDICTION_ID, NOW + dt.timedelta(days=1)) == version
        assert in_force(DEFAULT_JURISDICTION_ID, NOW + dt.timedelta(days=1, microseconds=-1)).pk == DEFAULT_VERSION_ID

    def test_a_version_cannot_take_effect_in_the_past(self, default):
        with time_machine.travel(NOW, tick=False), pytest.raises(PolicyError) as error:
            publish(default, {}, effective_from=NOW - dt.timedelta(seconds=1))
        assert (error.value.code, error.value.context) == ("effective_in_past", {"field": "effective_from"})

    @pytest.mark.parametrize(
        "effective_from",
        [
            NOW + dt.timedelta(days=2 * 366, seconds=1),
            # Beyond the last UTC instant once converted: refused, never a 500.
            dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(-dt.timedelta(hours=5))),
        ],
    )
    def test_nor_more_than_two_years_ahead_so_a_typo_cannot_block_the_jurisdiction(self, default, effective_from):
        with time_machine.travel(NOW, tick=False):
            with pytest.raises(PolicyError) as error:
                publish(default, {}, effective_from=effective_from)
            assert (error.value.code, error.value.context) == ("effective_too_far", {"field": "effective_from"})
            assert publish(default, {}, effective_from=NOW + dt.timedelta(days=2 * 366)).number == 2

    def test_nor_before_the_latest(self, default):
        with time_machine.travel(NOW, tick=False):
            publish(default, {}, effective_from=NOW + dt.timedelta(days=2))
            with pytest.raises(PolicyError) as error:
                publish(default, {}, effective_from=NOW + dt.timedelta(days=1))
        assert error.value.code == "not_after_latest"

    @pytest.mark.parametrize(
        ("rule", "value"),
        [
            ("min_stay_percent", 0),
            ("min_stay_percent", 101),
            ("on_time_after_start", dt.timedelta(minutes=-1)),
            ("close_after_end", dt.timedelta(days=8)),
            ("default_radius_m", 0),
            ("max_accuracy_m", float("nan")),
            ("no_such_rule", 1),
        ],
    )
    def test_values_no_rule_can_mean_are_refused(self, default, rule, value):
        with pytest.raises(PolicyError) as error:
            publish(default, {rule: value})
        assert (error.value.code, error.value.context["field"]) == ("invalid_rule", rule)
        assert default.versions.count() == 1

    def test_a_jurisdiction_without_a_version_yet_has_no_policy(self):
        court = Jurisdiction.objects.create(name="Multnomah County Circuit Court", kind="court")
        with pytest.raises(PolicyError) as error:
            in_force(court.pk, timezone.now())
        assert (error.value.code, error.value.http_status) == ("no_policy", 409)


class TestImmutability:
    def test_a_published_version_cannot_be_changed_or_deleted(self):
        version = PolicyVersion.objects.get(pk=DEFAULT_VERSION_ID)
        version.min_stay_percent = 10
        with pytest.raises(ImmutableVersionError):
            version.save()
        with pytest.raises(ImmutableVersionError):
            version.delete()
        with pytest.raises(ImmutableVersionError):
            PolicyVersion.objects.update(min_stay_percent=10)

    def test_nor_with_raw_sql(self):
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE policy_versions SET min_stay_percent = 10")
        assert PolicyVersion.objects.get(pk=DEFAULT_VERSION_ID).min_stay_percent == 75

    def test_refused_attempts_are_append_only_too(self):
        attempt = RefusedAttempt.objects.create(
            contact=ContactFactory(), type=EventType.CHECK_IN, code="check_in_not_open", detail="x", ts_client=NOW
        )
        with pytest.raises(AppendOnlyError):
            attempt.save()
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE refused_attempts SET code = 'x'")

    def test_events_stay_append_only_after_their_table_was_rebuilt(self):
        event = SessionEventFactory()
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE session_events SET sent_late = %s WHERE id = %s", [True, event.id])


def test_sessions_recorded_before_policies_are_judged_by_the_migration():
    judge = importlib.import_module("attendance.migrations.0015_judge_recorded_sessions").fill
    start = NOW - dt.timedelta(days=7)
    complete = SessionFactory(
        status=SessionStatus.COMPLETED, occurrence_start=start, occurrence_end=start + dt.timedelta(minutes=90)
    )
    for event_type, minutes in ((EventType.CHECK_IN, -5), (EventType.CHECK_OUT, 91)):
        at = start + dt.timedelta(minutes=minutes)
        SessionEventFactory(session=complete, type=event_type, ts_client=at, ts_server=at)
    denied = SessionFactory(status=SessionStatus.ENDED, meeting=None)
    SessionEventFactory(session=denied, location_flag=LocationFlag.DENIED)
    still_open = SessionFactory(status=SessionStatus.CHECKED_IN)

    judge(apps, SimpleNamespace(connection=connection))

    outcomes = {s.pk: (s.outcome, s.outcome_reasons, s.seconds_attended) for s in Session.objects.all()}
    assert outcomes == {
        complete.pk: ("attended", "", 90 * 60),
        denied.pk: ("not_verified", "no_verified_check_in self_declared_destination", None),
        still_open.pk: ("open", "", None),
    }
