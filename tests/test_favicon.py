"""The site's icon: linked from every kind of page, and /favicon.ico finds it."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

ICON_LINK = '<link rel="icon" href="/static/favicon.ico"'


def test_favicon_ico_leads_to_a_real_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content)
    icon.close()
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file's signature
    assert body == Path(finders.find("favicon.ico")).read_bytes()


def test_favicon_ico_answers_nothing_but_reads(client):
    assert client.post("/favicon.ico").status_code == 405


@pytest.mark.parametrize(
    "url", [reverse("login"), reverse("attendee:sign_in"), reverse("admin:index"), "/no-such-page/"]
)
def test_pages_for_staff_attendees_admins_and_errors_link_the_icon(client, superuser, url):
    if url == reverse("admin:index"):
        client.force_login(superuser)  # the admin's own sign-in page is the staff sign-in
    page = client.get(url).content.decode()

    assert ICON_LINK in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_the_svg_icon_is_served(client):
    response = client.get("/static/favicon.svg")

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    response.close()
    assert body.startswith(b"<svg")
