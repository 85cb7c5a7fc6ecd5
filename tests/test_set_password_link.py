"""Set-password links: staff create one, the attendee uses it once to choose a password."""

import datetime as dt
import html
import re

import pytest
import time_machine
import zxingcpp
from django.apps import apps
from django.contrib.sessions.models import Session as BrowserSession
from django.core import signing
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contacts.models import Contact
from contacts.setup_links import InvalidLink, make_set_password_link, set_password_with_link
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

STRONG = "tulip-harbour-gravel-42"
DONE_URL = reverse("attendee:set_password_done")


def text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def decode_qr_svg(svg: str) -> str:
    """Read an inline QR code as a phone would: draw its modules (one `M x,y` square each, one
    viewBox unit per module) on a white image and decode it."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg)[1])
    image = Image.new("L", (size, size), 255)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        image.putpixel((int(x), int(y)), 0)
    # QR codes only: about one code in a hundred also "contains" a spurious ITF barcode.
    codes = zxingcpp.read_barcodes(
        image.resize((size * 8, size * 8), Image.Resampling.NEAREST), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert len(codes) == 1
    return codes[0].text


@pytest.fixture
def contact(db):
    return ContactFactory(first_name="Ann", last_name="Example", email="ann@example.org", consenting=True)


@pytest.fixture
def link_path(contact):
    return reverse("attendee:set_password", args=[make_set_password_link(contact).token])


def choose(client, path: str, password: str = STRONG, again: str | None = None) -> HttpResponse:
    return client.post(path, {"password1": password, "password2": password if again is None else again})


# --- Staff create a link ----------------------------------------------------------------------


def test_staff_get_an_absolute_link_with_a_qr_code_and_its_expiry(staff_client, contact, settings):
    settings.PUBLIC_BASE_URL = "https://attend.example.org"
    now = timezone.now()

    with time_machine.travel(now, tick=False):
        response = staff_client.post(reverse("contacts:create_set_password_link", args=[contact.pk]))

    assert response.status_code == 200
    link = response.context["link"]
    assert link.url.startswith("https://attend.example.org/contacts/set-password/")
    assert link.expires_at == now + dt.timedelta(hours=72)
    page = response.content.decode()
    assert f'value="{link.url}"' in page
    assert decode_qr_svg(response.context["qr_svg"]) == link.url
    assert response.context["qr_svg"] in page
    assert "no-store" in response["Cache-Control"]
    assert [str(m) for m in response.context["messages"]] == ["Set-password link created for Ann Example."]


def test_no_link_for_a_deactivated_contact(staff_client, contact):
    contact.is_active = False
    contact.save()
    response = staff_client.post(reverse("contacts:create_set_password_link", args=[contact.pk]), follow=True)
    assert response.redirect_chain == [(reverse("contacts:detail", args=[contact.pk]), 302)]
    assert "reactivate them before creating a set-password link" in text(response)


def test_the_token_is_never_stored(staff_client, client, contact):
    created = staff_client.post(reverse("contacts:create_set_password_link", args=[contact.pk]))
    token = created.context["link"].token
    signature = token.rsplit(":", 1)[1]
    assert choose(client, reverse("attendee:set_password", args=[token])).status_code == 302

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and field.concrete:
                assert not model._default_manager.filter(**{f"{field.name}__contains": signature}).exists(), (
                    f"{model.__name__}.{field.name}"
                )
    for browser_session in BrowserSession.objects.all():
        assert signature not in str(browser_session.get_decoded())


# --- The attendee's page ----------------------------------------------------------------------


def test_the_page_greets_by_first_name_only(client, link_path):
    response = client.get(link_path)

    assert response.status_code == 200
    page = text(response)
    assert "Hello Ann." in page
    assert "Example" not in page
    assert "ann@example.org" not in page
    assert 'autocomplete="new-password"' in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_page_leaks_its_address_nowhere_and_is_never_cached(client, link_path, method):
    response = getattr(client, method)(link_path, {"password1": "short"} if method == "post" else None)
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_choosing_a_password_lets_the_attendee_sign_in(client, api_client, contact, link_path):
    response = choose(client, link_path)

    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    done = client.get(DONE_URL)
    assert "scan the meeting's QR code" in text(done)
    assert done["Referrer-Policy"] == "same-origin"

    signed_in = api_client.post(reverse("api:token"), {"email": "ann@example.org", "password": STRONG}, format="json")
    assert signed_in.status_code == 201, signed_in.content


def test_the_form_is_csrf_protected_and_a_browser_can_submit_it(contact, link_path):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link_path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    forged = browser.post(link_path, {"password1": STRONG, "password2": STRONG})
    assert forged.status_code == 403
    # Under "same-origin", a browser posting the page's own form sends its real origin.
    response = browser.post(
        link_path,
        {"password1": STRONG, "password2": STRONG, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302


def test_the_link_works_once(client, contact, link_path):
    assert choose(client, link_path).status_code == 302

    for response in (client.get(link_path), choose(client, link_path, "another-long-passphrase-7")):
        assert response.status_code == 410
        assert "Ask your case manager for a new link." in text(response)
        assert response["Referrer-Policy"] == "same-origin"
    contact.refresh_from_db()
    assert contact.check_password(STRONG)


def test_a_password_set_another_way_spends_the_link(client, contact, link_path):
    contact.set_password("set-by-staff-through-the-api")
    contact.save()
    assert client.get(link_path).status_code == 410


def test_two_racing_submissions_cannot_both_use_the_link(contact):
    token = make_set_password_link(contact).token
    set_password_with_link(token, STRONG)
    with pytest.raises(InvalidLink) as refused:
        set_password_with_link(token, "the-second-racer-99")
    assert refused.value.code == "used"


def test_a_deactivated_contact_cannot_use_their_link(client, contact, link_path):
    contact.is_active = False
    contact.save()
    assert client.get(link_path).status_code == 410


def test_the_link_expires_after_72_hours(client, contact):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        path = reverse("attendee:set_password", args=[make_set_password_link(contact).token])
    with time_machine.travel(now + dt.timedelta(hours=71, minutes=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(now + dt.timedelta(hours=72, minutes=1), tick=False):
        expired = choose(client, path)
    assert expired.status_code == 410
    assert "Ask your case manager for a new link." in text(expired)
    contact.refresh_from_db()
    assert not contact.has_usable_password()


def tampered_tokens(contact: Contact) -> list[str]:
    token = make_set_password_link(contact).token
    value, timestamp, signature = token.split(":")
    other = ContactFactory()
    return [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        f"{other.pk}.{value.split('.')[1]}:{timestamp}:{signature}",  # someone else's id
        f"{value}:{signing.b62_encode(signing.b62_decode(timestamp) + 3600)}:{signature}",  # later timestamp
        token[: len(token) // 2],  # cut short by a mail client
        signing.dumps(contact.pk),  # signed by the site, for something else
        "not-a-link",
    ]


def test_tampered_links_are_refused_without_a_hint(client, contact):
    for token in tampered_tokens(contact):
        response = client.get(reverse("attendee:set_password", args=[token]))
        assert response.status_code == 400, token
        page = text(response)
        assert "Ask your case manager for a new link." in page
        assert "Ann" not in page
        assert "Traceback" not in page
        assert response["Referrer-Policy"] == "same-origin"
        assert choose(client, reverse("attendee:set_password", args=[token])).status_code == 400
    contact.refresh_from_db()
    assert not contact.has_usable_password()


@pytest.mark.parametrize(
    ("password", "again", "field", "message"),
    [
        ("password", None, "password1", "This password is too common."),
        ("short", None, "password1", "This password is too short."),
        ("83749201957", None, "password1", "This password is entirely numeric."),
        ("ann@example.org", None, "password1", "The password is too similar to the email"),
        (STRONG, STRONG + "x", "password2", "The two passwords differ."),
        ("", None, "password1", "This field is required."),
    ],
)
def test_weak_or_mismatched_passwords_are_refused(client, contact, link_path, password, again, field, message):
    response = choose(client, link_path, password, again)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in text(response)
    # Passwords are never sent back to the page.
    assert not password or password not in re.findall(r'value="([^"]*)"', response.content.decode())
    contact.refresh_from_db()
    assert not contact.has_usable_password()
    # Refused attempts do not spend the link.
    assert choose(client, link_path).status_code == 302


def test_the_done_page_leads_to_the_attendee_sign_in(client):
    from django.urls import reverse

    page = client.get(DONE_URL).content.decode()
    assert f'href="{reverse("attendee:sign_in")}"' in page
