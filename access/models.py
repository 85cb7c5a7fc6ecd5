import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contacts.models import Contact
from core.db import IdField, created_at_field


def digest(raw_token: str) -> str:
    """How a token is stored: its SHA-256. Tokens are 256 random bits, so a plain digest is
    enough to make a leaked table useless, and it does not change when SECRET_KEY rotates."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def find(self, raw_token: str) -> "ApiToken | None":
        """The usable token with this value, its holder loaded; None when there is none.

        One lookup by the unique digest, then `is_usable()` in Python: every API request runs
        this, and compiling the usability conditions into SQL each time cost half a
        millisecond more (bench/findings.md).
        """
        token = self.select_related("contact", "user").filter(digest=digest(raw_token)).first()
        return token if token is not None and token.is_usable() else None


class ApiToken(models.Model):
    """A bearer token for the API, held by an attendee (contact) or a staff user.

    Only the digest is stored: the token itself is shown once, when it is issued.
    """

    id = IdField()
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, to recognise a token in a list without being able to use it.
    prefix = models.CharField(max_length=8, editable=False)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for, e.g. 'CRM integration'.")
    created_at = created_at_field()
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        db_table = "api_tokens"
        verbose_name = "API token"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, user__isnull=True) | Q(contact__isnull=True, user__isnull=False),
                name="ck_api_tokens_one_holder",
            ),
        ]

    def __str__(self) -> str:
        holder = self.contact or self.user
        return f"{self.prefix}… ({holder})"

    @classmethod
    def issue(
        cls,
        *,
        contact: Contact | None = None,
        user: AbstractBaseUser | None = None,
        name: str = "",
        lifetime: dt.timedelta | None = None,
    ) -> tuple["ApiToken", str]:
        """Create a token and return it with its value, which is never stored and cannot be shown again."""
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            digest=digest(raw),
            prefix=raw[:8],
            contact=contact,
            user=user,
            name=name,
            expires_at=timezone.now() + lifetime if lifetime else None,
        )
        return token, raw

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        """Not revoked, not expired, its holder still active (a staff user still staff), and
        for an attendee issued after their password last changed."""
        now = now or timezone.now()
        if self.revoked_at is not None or (self.expires_at is not None and self.expires_at <= now):
            return False
        if self.contact_id is not None:
            # A new password or a deactivation ends every token issued before it
            # (Contact.credentials_changed_at), even once the contact is active again.
            changed = self.contact.credentials_changed_at
            return self.contact.is_active and (changed is None or self.created_at >= changed)
        return self.user.is_active and self.user.is_staff

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def touch(self) -> None:
        """Note the token's use, at most once a minute: a write on every request would cost more."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


class SignInRecord(models.Model):
    """A staff sign-in to the site or the admin, or a failed attempt: who, when, from where.

    A failure names the account only when the username typed is one; otherwise nothing of what
    was typed is kept (people type passwords into the username field).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="sign_ins"
    )
    succeeded = models.BooleanField()
    address = models.CharField(max_length=45, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "sign_in_records"
        ordering = ["-at"]
        verbose_name = "staff sign-in"

    def __str__(self) -> str:
        outcome = "signed in" if self.succeeded else "failed to sign in"
        return f"{self.user or 'unknown account'} {outcome} from {self.address or '?'} at {self.at:%Y-%m-%d %H:%M}"
