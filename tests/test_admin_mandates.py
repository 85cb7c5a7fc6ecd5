"""The admin for mandates writes through mandates.services: the same refusals as the staff pages
(naming the field), periods built, no delete once a period has passed, no revert around the
rules; issued court reports are read-only."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mandates import services
from mandates.models import CourtReport, Mandate
from mandates.services import Terms
from meetings.models import MeetingKind
from policies.models import Jurisdiction
from tests.factories import ContactFactory, MeetingFactory

pytestmark = pytest.mark.django_db

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


def pst(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, tzinfo=PACIFIC)


@pytest.fixture
def court():
    return Jurisdiction.objects.create(
        name="Multnomah County Circuit Court", kind="court", time_zone="America/Los_Angeles"
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def order(contact, court, **terms) -> Mandate:
    values = {
        "case_number": "CR-2026-0012",
        "required_count": 3,
        "period": "week",
        "starts_on": dt.date(2026, 12, 1),
        "ends_on": dt.date(2026, 12, 28),
        "jurisdiction": court,
    } | terms
    return services.create(contact, Terms(**values), by=None)


def form_data(court, mandate: Mandate | None = None, **changes) -> dict:
    data = {
        "case_number": "CR-2026-0099",
        "jurisdiction": court.pk,
        "required_count": "3",
        "period": "week",
        "rolling_days": "",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-28",
        "notes": "",
        # The read-only periods inline's management form.
        "periods-TOTAL_FORMS": str(mandate.periods.count() if mandate else 0),
        "periods-INITIAL_FORMS": str(mandate.periods.count() if mandate else 0),
        "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "0",
    }
    if mandate is not None:
        for n, period in enumerate(mandate.periods.order_by("number")):
            data[f"periods-{n}-id"] = str(period.pk)
            data[f"periods-{n}-mandate"] = str(mandate.pk)
    return data | changes


def test_adding_a_mandate_goes_through_the_services(admin_client, superuser, court):
    ana = ContactFactory()
    aa = MeetingKind.objects.get(slug="aa")
    hope = MeetingFactory(name="Hope Group")

    response = admin_client.post(
        reverse("admin:mandates_mandate_add"),
        form_data(court, contact=ana.pk, kind_choices=[aa.pk], meeting_choices=[hope.pk]),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    mandate = Mandate.objects.get()
    assert mandate.contact == ana
    assert mandate.created_by == superuser
    assert mandate.periods.count() == 4  # built by the service
    assert list(mandate.meeting_kinds.all()) == [aa]
    assert list(mandate.meetings.all()) == [hope]
    assert mandate.history.first().history_user == superuser


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"required_count": "0"}, "required_count", "At least one meeting must be required."),
        ({"ends_on": "2026-11-01"}, "ends_on", "The mandate cannot end before it starts."),
        ({"period": "rolling"}, "rolling_days", "A rolling requirement needs its number of days."),
        ({"rolling_days": "7"}, "rolling_days", "Days apply only to a rolling requirement."),
        ({"case_number": "  "}, "case_number", "This field is required."),
    ],
)
def test_refused_terms_are_shown_on_their_field(admin_client, court, changes, field, message):
    response = admin_client.post(
        reverse("admin:mandates_mandate_add"), form_data(court, contact=ContactFactory().pk, **changes)
    )
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    assert not Mandate.objects.exists()


def test_changing_recounts_and_keeps_the_contact(admin_client, court):
    ana, ben = ContactFactory(), ContactFactory()
    mandate = order(ana, court)
    url = reverse("admin:mandates_mandate_change", args=[mandate.pk])
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url, form_data(court, mandate, contact=ben.pk, required_count="2", ends_on="2026-12-14")
    )

    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.contact == ana  # read-only once saved
    assert mandate.required_count == 2
    assert mandate.periods.count() == 2


def test_a_change_the_write_refuses_is_a_message_not_an_error(admin_client, court, superuser):
    mandate = order(ContactFactory(), court)
    services.end_early(mandate, last_day=dt.date(2026, 12, 10), reason="Dismissed", by=superuser)
    url = reverse("admin:mandates_mandate_change", args=[mandate.pk])

    response = admin_client.post(url, form_data(court, mandate, ends_on="2026-12-05"), follow=True)

    assert "It ended early after that date." in response.content.decode()
    mandate.refresh_from_db()
    assert mandate.ends_on == dt.date(2026, 12, 28)


def test_delete_before_any_period_passed(admin_client, court):
    mandate = order(ContactFactory(), court)
    with time_machine.travel(pst(3, 12), tick=False):
        response = admin_client.post(reverse("admin:mandates_mandate_delete", args=[mandate.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Mandate.objects.exists()


def test_delete_is_refused_once_a_period_passed(admin_client, court):
    mandate = order(ContactFactory(), court)
    with time_machine.travel(pst(9, 12), tick=False):
        response = admin_client.post(
            reverse("admin:mandates_mandate_delete", args=[mandate.pk]), {"post": "yes"}, follow=True
        )
    assert "A period of this mandate has passed: end it early instead of deleting it." in response.content.decode()
    assert Mandate.objects.filter(pk=mandate.pk).exists()


def test_no_bulk_delete_and_no_revert(admin_client, court):
    mandate = order(ContactFactory(), court)
    changelist = admin_client.get(reverse("admin:mandates_mandate_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    version = mandate.history.first()
    url = reverse("admin:mandates_mandate_simple_history", args=[mandate.pk, version.history_id])
    assert admin_client.post(url, form_data(court, mandate)).status_code == 403


def test_the_changelist_shows_status_and_searches_by_case_number_or_contact(admin_client, court):
    ana = ContactFactory(first_name="Anastasia")
    order(ana, court, case_number="CR-FIND-ME")
    order(ContactFactory(first_name="Ben"), court, case_number="DUI-1")
    url = reverse("admin:mandates_mandate_changelist")
    with time_machine.travel(pst(3, 12), tick=False):
        by_case = admin_client.get(url, {"q": "find-me"})
        by_name = admin_client.get(url, {"q": "Anastasia"})
    assert [m.case_number for m in by_case.context["cl"].result_list] == ["CR-FIND-ME"]
    assert [m.case_number for m in by_name.context["cl"].result_list] == ["CR-FIND-ME"]
    assert "At risk" in by_case.content.decode()  # Thursday of week 1 with nothing attended


def test_the_changelist_queries_do_not_grow_with_rows(admin_client, court):
    url = reverse("admin:mandates_mandate_changelist")
    for n in range(2):
        order(ContactFactory(), court, case_number=f"CR-{n}")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as two:
        admin_client.get(url)
    for n in range(2, 10):
        order(ContactFactory(), court, case_number=f"CR-{n}")
    with CaptureQueriesContext(connection) as ten:
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 10
    assert len(ten) == len(two)


def test_court_reports_are_read_only(admin_client, court, superuser):
    mandate = order(ContactFactory(), court)
    report = CourtReport.objects.create(
        number="VC-2026-000001",
        mandate=mandate,
        issued_by=superuser,
        issued_at=pst(3, 12),
        covers_from=dt.date(2026, 12, 1),
        covers_to=dt.date(2026, 12, 28),
        agency_name="Verified Compliance",
        content="…",
        digest="0" * 64,
    )
    assert admin_client.get(reverse("admin:mandates_courtreport_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:mandates_courtreport_change", args=[report.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # viewed, never changed
    assert admin_client.get(reverse("admin:mandates_courtreport_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:mandates_courtreport_delete", args=[report.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert CourtReport.objects.filter(pk=report.pk).exists()
