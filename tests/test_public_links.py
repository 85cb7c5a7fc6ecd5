"""Links that leave the site (QR codes, set-password links) open where the site really is.

With PUBLIC_BASE_URL set (required in production) they are on it, whatever address the staff
member used; left out in development, they follow the address the page was served on, so that
`make run PORT=8001` prints posters that open on port 8001.
"""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, MeetingFactory
from tests.test_meeting_qr import decode_png, decode_svg, inline_svg
from tests.test_set_password_link import decode_qr_svg

pytestmark = pytest.mark.django_db

SERVED_ON = "127.0.0.1:8001"


@pytest.fixture
def development(settings):
    settings.PUBLIC_BASE_URL = ""


def get(client, name: str, pk: str):
    return client.get(reverse(name, args=[pk]), HTTP_HOST=SERVED_ON)


@pytest.mark.usefixtures("development")
def test_without_public_base_url_every_form_of_the_qr_code_follows_the_served_port(staff_client):
    meeting = MeetingFactory()
    expected = f"http://{SERVED_ON}/q/{meeting.qr_code}"

    detail = get(staff_client, "meetings:detail", meeting.pk).content.decode()
    poster = get(staff_client, "meetings:poster", meeting.pk).content.decode()
    svg = get(staff_client, "meetings:qr_svg", meeting.pk).content.decode()
    png = get(staff_client, "meetings:qr_png", meeting.pk).content

    assert decode_svg(inline_svg(detail)) == expected
    assert f'href="{expected}"' in detail
    assert decode_svg(inline_svg(poster)) == expected
    assert decode_svg(svg.split("\n", 1)[1]) == expected
    assert decode_png(png) == expected


@pytest.mark.usefixtures("development")
def test_without_public_base_url_the_admin_shows_the_served_address(client, superuser):
    meeting = MeetingFactory()
    client.force_login(superuser)

    page = get(client, "admin:meetings_meeting_change", meeting.pk).content.decode()

    assert f'href="http://{SERVED_ON}/q/{meeting.qr_code}"' in page


@pytest.mark.usefixtures("development")
def test_without_public_base_url_a_set_password_link_follows_the_served_port(staff_client):
    contact = ContactFactory()

    response = staff_client.post(reverse("contacts:create_set_password_link", args=[contact.pk]), HTTP_HOST=SERVED_ON)

    link = response.context["link"]
    assert link.url.startswith(f"http://{SERVED_ON}/contacts/set-password/")
    assert decode_qr_svg(response.context["qr_svg"]) == link.url


def test_a_public_base_url_wins_over_the_address_the_page_was_served_on(staff_client, settings):
    settings.PUBLIC_BASE_URL = "https://attend.example.org"
    meeting = MeetingFactory()
    contact = ContactFactory()

    png = get(staff_client, "meetings:qr_png", meeting.pk).content
    response = staff_client.post(reverse("contacts:create_set_password_link", args=[contact.pk]), HTTP_HOST=SERVED_ON)

    assert decode_png(png) == f"https://attend.example.org/q/{meeting.qr_code}"
    assert response.context["link"].url.startswith("https://attend.example.org/contacts/set-password/")
