"""/me/: an attendee's own profile, and GPS consent, which only the attendee grants or withdraws."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from access.models import ApiToken
from contacts.models import Contact
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/me/"
CONSENT_URL = "/api/v1/me/consent/"
PROFILE_FIELDS = {"id", "email", "phone", "first_name", "last_name", "consent_granted", "consent_timestamp"}


def test_me_is_the_attendees_own_profile_without_password_or_staff_notes(attendee, other_attendee):
    attendee.set_password("a long and secret passphrase")
    attendee.notes = "Probation officer: J. Smith"
    attendee.save()
    # Issued after the password was set: a new password ends the tokens issued before it.
    attendee_api = bearer_client(ApiToken.issue(contact=attendee)[1])

    response = attendee_api.get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert body["id"] == attendee.pk
    assert body["email"] == attendee.email
    assert body["phone"] == str(attendee.phone)
    assert body["consent_granted"] is True
    assert attendee.password_hash not in response.content.decode()
    assert "Probation officer" not in response.content.decode()


def test_each_attendee_sees_only_themselves(attendee_api, other_attendee_api, attendee, other_attendee):
    assert attendee_api.get(ME_URL).json()["id"] == attendee.pk
    assert other_attendee_api.get(ME_URL).json()["id"] == other_attendee.pk


@pytest.mark.parametrize("granted", [False, True])
def test_consent_is_recorded_with_the_time_it_was_given_or_withdrawn(attendee, attendee_api, granted: bool):
    attendee.record_consent(granted=not granted)
    later = timezone.now() + dt.timedelta(hours=2)

    with time_machine.travel(later, tick=False):
        response = attendee_api.post(CONSENT_URL, {"granted": granted}, format="json")

    assert response.status_code == 200
    assert response.json()["consent_granted"] is granted
    assert dt.datetime.fromisoformat(response.json()["consent_timestamp"]) == later
    attendee.refresh_from_db()
    assert (attendee.consent_granted, attendee.consent_timestamp) == (granted, later)


@pytest.mark.parametrize("encoding", ["multipart", "form"])
def test_consent_from_a_form_post_is_refused_not_read(attendee, attendee_api, encoding):
    # The API reads JSON only: a form cannot say true or false, only strings or nothing.
    attendee.record_consent(granted=True)
    if encoding == "multipart":
        response = attendee_api.post(CONSENT_URL, {"granted": "false"}, format="multipart")
    else:
        response = attendee_api.post(CONSENT_URL, "granted=false", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    attendee.refresh_from_db()
    assert attendee.consent_granted is True


@pytest.mark.parametrize("body", [{}, {"consent": "true"}], ids=["empty", "wrong-name"])
def test_a_body_without_granted_is_a_400_not_a_withdrawal(attendee, attendee_api, body: dict):
    attendee.record_consent(granted=True)

    response = attendee_api.post(CONSENT_URL, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["granted"]
    attendee.refresh_from_db()
    assert attendee.consent_granted is True


def test_consent_changes_only_the_callers_own_record(attendee_api, other_attendee):
    before = Contact.objects.values("consent_granted", "consent_timestamp").get(pk=other_attendee.pk)

    attendee_api.post(CONSENT_URL, {"granted": False}, format="json")

    assert Contact.objects.values("consent_granted", "consent_timestamp").get(pk=other_attendee.pk) == before


@pytest.mark.parametrize(
    "body",
    [{}, {"granted": None}, {"granted": "maybe"}, {"granted": [True]}, {"granted": {"yes": 1}}, {"consent": True}],
    ids=["empty", "null", "not-a-boolean", "list", "object", "wrong-name"],
)
def test_a_bad_consent_body_is_a_400_naming_granted_and_changes_nothing(attendee, attendee_api, body: dict):
    before = Contact.objects.values("consent_granted", "consent_timestamp", "updated_at").get(pk=attendee.pk)

    response = attendee_api.post(CONSENT_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["granted"]
    assert Contact.objects.values("consent_granted", "consent_timestamp", "updated_at").get(pk=attendee.pk) == before


def test_a_consent_body_that_is_not_json_is_a_400(attendee_api):
    response = attendee_api.post(CONSENT_URL, "granted", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("method", "url"),
    [("post", ME_URL), ("patch", ME_URL), ("delete", ME_URL), ("get", CONSENT_URL), ("put", CONSENT_URL)],
)
def test_other_methods_are_not_allowed(attendee_api, method: str, url: str):
    # The profile itself is staff's to edit (contacts API); the attendee changes only consent.
    assert getattr(attendee_api, method)(url).status_code == 405
