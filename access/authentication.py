"""Who is calling the API: an attendee (a contact) or a staff user, by bearer token or session."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from access.models import ApiToken
from contacts.models import Contact


def authenticate_contact(email: str, password: str) -> Contact | None:
    """The active contact with these credentials, or None, taking as long either way. The one
    check of an attendee's password: the API's token sign-in and the phone page's both call it."""
    contact = Contact.objects.active().by_email(email).first()
    if contact is None:
        # Hash anyway, so the answer's timing does not tell which emails are registered.
        make_password(password)
        return None
    return contact if contact.check_password(password) else None


@dataclass(frozen=True)
class Attendee:
    """`request.user` for an attendee. Not a Django user: it can never pass a staff check,
    reach the admin, or hold model permissions."""

    contact: Contact

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    @property
    def pk(self) -> str:
        return self.contact.pk

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perms: object, obj: object = None) -> bool:
        return False

    def __str__(self) -> str:
        return f"attendee {self.contact.pk}"


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` for attendee and staff tokens alike."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[object, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: expected 'Bearer <token>'."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = ApiToken.objects.find(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        token.touch()
        return (Attendee(token.contact) if token.contact_id else token.user), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
