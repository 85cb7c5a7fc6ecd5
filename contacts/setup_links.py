"""Signed, expiring, single-use links with which an attendee chooses their own password.

Staff hand the link over (on screen as a QR code, or by message); nothing about it is stored.
The link carries the contact's id and a fingerprint of their current password hash, signed with
SECRET_KEY and stamped with the time it was made. It stops working:
- after LINK_LIFETIME (the signature's timestamp),
- once any password is set (the fingerprint no longer matches: that is what makes it single-use),
- when the contact is deactivated, for good (a reactivation does not bring it back),
- when SECRET_KEY changes.
"""

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from contacts.models import Contact
from core.links import public_url

LINK_LIFETIME = dt.timedelta(hours=72)

# Distinct salts: a value signed for another purpose (or the fingerprint) never passes as a link.
_SIGNING_SALT = "contacts.setup_links.set-password"
_FINGERPRINT_SALT = "contacts.setup_links.password-fingerprint"


class InvalidLink(Exception):
    """The link cannot be used. `code` says why, for tests and logs; attendees see one message
    whatever the reason, so that a link says nothing about the contact behind it."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "tampered", "expired" or "used"


@dataclass(frozen=True)
class SetPasswordLink:
    token: str
    url: str  # absolute (core.links.public_url)
    expires_at: dt.datetime


def _fingerprint(contact: Contact) -> str:
    # A digest, never the hash itself: the signed value is readable by whoever holds the link.
    # 12 hex digits are plenty to notice a change; the signature protects them from forgery.
    # The credentials stamp moves when the contact is deactivated, so a link issued before
    # stays dead after a reactivation.
    changed = contact.credentials_changed_at.isoformat() if contact.credentials_changed_at else ""
    value = f"{contact.password_hash or ''}|{changed}"
    return salted_hmac(_FINGERPRINT_SALT, value, algorithm="sha256").hexdigest()[:12]


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SIGNING_SALT, algorithm="sha256")


def make_set_password_link(contact: Contact, request: HttpRequest | None = None) -> SetPasswordLink:
    """A new link for `contact`, valid for LINK_LIFETIME or until a password is set; on
    PUBLIC_BASE_URL, or in development on the origin of `request`."""
    token = _signer().sign(f"{contact.pk}.{_fingerprint(contact)}")
    url = public_url(reverse("attendee:set_password", args=[token]), request)
    return SetPasswordLink(token=token, url=url, expires_at=timezone.now() + LINK_LIFETIME)


def _unsign(token: str) -> tuple[str, str]:
    try:
        value = _signer().unsign(token, max_age=LINK_LIFETIME)
    except signing.SignatureExpired:
        raise InvalidLink("expired") from None
    except signing.BadSignature:
        raise InvalidLink("tampered") from None
    contact_id, _, fingerprint = value.rpartition(".")
    return contact_id, fingerprint


def _check(contact: Contact | None, fingerprint: str) -> Contact:
    # A missing or deactivated contact reads as "used": the same answer as a used link.
    if contact is None or not contact.is_active or not constant_time_compare(fingerprint, _fingerprint(contact)):
        raise InvalidLink("used")
    return contact


def contact_for_link(token: str) -> Contact:
    """The contact a still-usable link is for; InvalidLink otherwise."""
    contact_id, fingerprint = _unsign(token)
    return _check(Contact.objects.filter(pk=contact_id).first(), fingerprint)


def set_password_with_link(token: str, raw_password: str) -> Contact:
    """Set the password the link allows, once: the row is locked and the link checked again,
    so two submissions racing with the same link cannot both succeed."""
    contact_id, fingerprint = _unsign(token)
    with transaction.atomic():
        contact = _check(Contact.objects.select_for_update().filter(pk=contact_id).first(), fingerprint)
        contact.set_password(raw_password)
        contact.save(update_fields=["password_hash", "credentials_changed_at", "updated_at"])
    return contact
