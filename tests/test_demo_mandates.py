"""The demo's court mandates (`manage.py seed_demo`): one in each status, periods in each status,
entered by the demo's case manager through mandates.services, whatever the time of the run."""

import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from contacts.models import Contact
from demo.story import CASE_MANAGER, CONTACTS, COURT, MANDATES, demo_id
from mandates import queries
from mandates.models import Mandate, MandatePeriod
from mandates.status import MandateStatus, PeriodStatus, period_status

pytestmark = pytest.mark.django_db

LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def seed() -> str:
    output = StringIO()
    call_command("seed_demo", force=True, stdout=output)
    return output.getvalue()


def reported(output: str, label: str) -> tuple[int, int]:
    match = re.search(rf"^\s*{label}\s+(\d+) created,\s+(\d+) already present$", output, re.MULTILINE)
    assert match, output
    return int(match[1]), int(match[2])


def mandate_of(spec) -> Mandate:
    return Mandate.objects.get(contact_id=demo_id("contact", spec.contact), case_number=spec.case_number)


def period_statuses(mandate: Mandate, now: dt.datetime) -> set[PeriodStatus]:
    return {period_status(period, now) for period in MandatePeriod.objects.filter(mandate=mandate)}


# Runs at each end of the day and mid-afternoon where the court is, in a 28-day month (a month
# period is then shortest), on the days clocks change, and on other weekdays.
MOMENTS = [
    dt.datetime(2026, 3, 10, 0, 5, tzinfo=LOS_ANGELES),
    dt.datetime(2026, 3, 10, 13, 20, tzinfo=LOS_ANGELES),
    dt.datetime(2026, 3, 10, 23, 55, tzinfo=LOS_ANGELES),
    dt.datetime(2026, 2, 14, 23, 55, tzinfo=LOS_ANGELES),
    dt.datetime(2026, 3, 8, 12, 0, tzinfo=LOS_ANGELES),
    dt.datetime(2026, 11, 1, 9, 30, tzinfo=LOS_ANGELES),
    dt.datetime(2026, 12, 31, 20, 0, tzinfo=LOS_ANGELES),
    dt.datetime(2027, 1, 3, 6, 45, tzinfo=LOS_ANGELES),
]


@pytest.mark.parametrize("now", MOMENTS, ids=[f"{moment:%Y-%m-%d-%H%M}" for moment in MOMENTS])
def test_each_mandate_has_its_status_and_periods_at_the_run(now):
    with time_machine.travel(now, tick=False):
        seed()

        for spec in MANDATES:
            mandate = mandate_of(spec)
            assert queries.compliance_of(mandate, now).status == spec.status, spec.case_number
            assert period_statuses(mandate, now) == set(spec.periods), spec.case_number
            # The lists' SQL says the same as the mandate's page.
            assert queries.with_status(Mandate.objects.filter(pk=mandate.pk), now).get().status == spec.status


def test_every_mandate_status_and_every_period_status_is_in_the_demo():
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        seed()

    mandates = Mandate.objects.all()
    assert {queries.compliance_of(mandate, now).status for mandate in mandates} == set(MandateStatus)
    assert set().union(*(period_statuses(mandate, now) for mandate in mandates)) == set(PeriodStatus)
    for status in MandateStatus:
        assert Mandate.objects.filter(queries.status_filter(status, now)).exists(), status


def test_the_dashboards_panels_name_who_is_behind_and_who_missed_last_period():
    now = dt.datetime(2026, 3, 10, 13, 20, tzinfo=LOS_ANGELES)
    with time_machine.travel(now, tick=False):
        seed()

        behind = set(queries.behind(now).values_list("contact__first_name", flat=True))
        missed = set(queries.missed_last_period(now).values_list("contact__first_name", flat=True))

    assert behind == {"Rebecca", "Daniel"}
    assert missed == {"Aisha"}


def test_the_court_keeps_pacific_time_and_ordered_every_mandate():
    seed()

    for mandate in Mandate.objects.select_related("jurisdiction"):
        assert mandate.jurisdiction.name == COURT.name
        assert mandate.jurisdiction.time_zone == mandate.time_zone == "America/Los_Angeles"
        assert mandate.jurisdiction.kind == "court"


def test_the_aa_mandate_counts_only_aa_meetings_and_the_rolling_one_is_12_in_30_days():
    seed()

    aa_only = mandate_of(next(spec for spec in MANDATES if spec.kinds))
    assert [kind.slug for kind in aa_only.meeting_kinds.all()] == ["aa"]
    # Her SMART Recovery meeting yesterday was attended, and does not count.
    assert aa_only.contact.sessions.filter(outcome="attended", meeting__kinds__slug="smart").exists()
    assert not queries.compliance_of(aa_only).counted
    assert {mandate.requirement for mandate in Mandate.objects.all()} >= {
        "1 meeting per week",
        "12 meetings in any 30 days",
        "2 meetings per month",
        "1 meeting over the whole mandate",
    }


def test_the_case_manager_entered_the_mandates_and_has_a_caseload_but_no_password():
    call_command("create_staff_groups", stdout=StringIO())
    seed()

    user = get_user_model().objects.get(username=CASE_MANAGER.username)
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (True, False, False)
    assert list(user.groups.values_list("name", flat=True)) == ["Case managers"]
    assert user.has_perm("mandates.view_mandate")
    caseload = set(Contact.objects.filter(case_manager=user).values_list("email", flat=True))
    assert caseload == {spec.email for spec in CONTACTS if spec.on_caseload}
    assert Contact.objects.filter(case_manager__isnull=True).count() == 2
    for mandate in Mandate.objects.all():
        assert mandate.created_by == user
        first = mandate.history.order_by("history_date").first()
        assert (first.history_type, first.history_user, first.history_date) == ("+", user, mandate.created_at)
        # Entered before the order starts (or, for one starting later, before the run).
        assert mandate.created_at < max(mandate.periods.order_by("number").first().starts_at, timezone.now())


def test_seeding_again_adds_no_mandate_and_changes_no_period():
    output = seed()
    assert reported(output, "Mandates") == (len(MANDATES), 0)
    assert reported(output, "Courts") == (1, 0)
    assert reported(output, "Staff users") == (1, 0)
    periods = set(MandatePeriod.objects.values_list("pk", "mandate_id", "attended", "behind_from"))
    history = Mandate.history.count()

    output = seed()

    assert reported(output, "Mandates") == (0, len(MANDATES))
    assert reported(output, "Courts") == (0, 1)
    assert reported(output, "Staff users") == (0, 1)
    assert set(MandatePeriod.objects.values_list("pk", "mandate_id", "attended", "behind_from")) == periods
    assert Mandate.history.count() == history
    assert "nothing to do" in output


def test_seeding_again_days_later_keeps_the_first_runs_dates():
    seed()
    dates = set(Mandate.objects.values_list("case_number", "starts_on", "ends_on"))

    with time_machine.travel(timezone.now() + dt.timedelta(days=9), tick=False):
        seed()

    assert set(Mandate.objects.values_list("case_number", "starts_on", "ends_on")) == dates
