"""One way to show a phone number on every page: national in the site's region, else international.

Stored and served by the API in E.164; shown to people as they dial it.
"""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

DOMESTIC = ("+15035550101", "(503) 555-0101")
ABROAD = ("+442079460958", "+44 20 7946 0958")


def pages(staff_client, superuser, client, contact) -> dict[str, str]:
    client.force_login(superuser)
    report = {"contact": contact.id, "start": "2026-03-01", "end": "2026-03-07"}
    return {
        "contact list": staff_client.get(reverse("contacts:list")).content.decode(),
        "contact page": staff_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode(),
        "report": staff_client.get(reverse("attendance:report"), report).content.decode(),
        "admin list": client.get(reverse("admin:contacts_contact_changelist")).content.decode(),
    }


@pytest.mark.parametrize(("stored", "shown"), [DOMESTIC, ABROAD], ids=["in PHONE_REGION", "elsewhere"])
def test_every_page_shows_the_same_string(staff_client, superuser, client, stored, shown):
    contact = ContactFactory(phone=stored)

    for page, html in pages(staff_client, superuser, client, contact).items():
        assert shown in html, page
        assert stored not in html.replace(f'value="{stored}"', ""), page


def test_the_region_is_the_sites(staff_client, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "GB"
    ContactFactory(phone=DOMESTIC[0], last_name="Alpha")
    ContactFactory(phone=ABROAD[0], last_name="Beta")

    page = staff_client.get(reverse("contacts:list")).content.decode()

    assert "+1 503-555-0101" in page
    assert "020 7946 0958" in page


def test_a_change_of_number_reads_the_same_in_the_history(staff_client):
    contact = ContactFactory(phone=DOMESTIC[0])
    contact.phone = ABROAD[0]
    contact.save()

    page = staff_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()

    assert f"{DOMESTIC[1]} → {ABROAD[1]}" in page


def test_no_phone_is_a_dash(staff_client):
    contact = ContactFactory(phone=None)

    page = staff_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()

    assert "<dt>Phone</dt><dd>—</dd>" in page


def test_the_api_keeps_e164(staff_api):
    contact = ContactFactory(phone=DOMESTIC[0])

    assert staff_api.get(reverse("api:contact-detail", args=[contact.pk])).json()["phone"] == DOMESTIC[0]
