from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Q, When
from django.db.models.functions import Upper
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from compliance.db import Deactivatable, IdField, audit_trail, created_at_field, updated_at_field
from contacts.hashers import as_django_encoded


class ContactQuerySet(models.QuerySet):
    def active(self) -> "ContactQuerySet":
        return self.filter(is_active=True)

    def by_email(self, email: str) -> "ContactQuerySet":
        """Contacts with this address in any capitals, the one stored as normalised first.

        New rows are stored in lower case; rows adopted from the legacy system keep the
        capitals they were typed with, and their owners must still be able to sign in.
        """
        normalized = normalize_email(email)
        return self.filter(email__iexact=normalized).order_by(
            Case(When(email=normalized, then=0), default=1), "created_at"
        )


def validate_no_extension(number: object) -> None:
    # E.164 has no room for an extension: storing the number without it would silently change it.
    if getattr(number, "extension", None):
        raise ValidationError("Phone extensions cannot be stored; give a direct number.", code="extension")


def normalize_email(email: str) -> str:
    # Attendees type their address on a phone keyboard that capitalises at will; one person
    # must map to one row, so emails are stored and looked up in lower case.
    return email.strip().lower()


class Contact(Deactivatable, models.Model):
    """A person who must attend meetings (an attendee); not a Django user."""

    id = IdField()
    email = models.EmailField(max_length=255)
    phone = PhoneNumberField(
        max_length=20,
        null=True,
        blank=True,
        validators=[validate_no_extension],
        help_text="Stored in E.164, e.g. +15035550100.",
    )
    first_name = models.CharField(max_length=100, null=True, blank=True)
    last_name = models.CharField(max_length=100, null=True, blank=True)
    password_hash = models.CharField(max_length=255, null=True, blank=True, editable=False)
    ghl_contact_id = models.CharField("GoHighLevel contact id", max_length=100, null=True, blank=True)
    consent_granted = models.BooleanField("GPS consent granted", default=False, db_default=False)
    consent_timestamp = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    is_active = models.BooleanField(default=True, db_default=True)
    created_at = created_at_field()
    updated_at = updated_at_field()

    objects = ContactQuerySet.as_manager()
    # Who changed what and when; the password hash stays out of it.
    history = audit_trail(excluded_fields=["password_hash"])

    class Meta:
        db_table = "contacts"
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                name="ix_contacts_email",
            ),
            models.UniqueConstraint(
                fields=["ghl_contact_id"],
                name="ix_contacts_ghl_contact_id",
            ),
        ]
        indexes = [
            models.Index(fields=["phone"], name="ix_contacts_phone"),
            models.Index(fields=["is_active"], name="ix_contacts_is_active"),
            # Not in the reference: sign-in finds an address whatever its capitals (by_email).
            models.Index(Upper("email"), name="ix_contacts_email_upper"),
            # Not in the reference: the dashboard lists and counts active contacts without
            # consent, a small share of all contacts.
            models.Index(
                fields=["last_name", "first_name", "email"],
                name="ix_contacts_without_consent",
                condition=Q(is_active=True, consent_granted=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        if self.email:
            self.email = normalize_email(self.email)
        # Every write path stores E.164 or nothing: never "", never a number that did not parse.
        # A save of other fields leaves the phone alone: a legacy row's unparsable number must
        # not stop its owner from signing in or consenting.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "phone" in update_fields:
            self.phone = self._meta.get_field("phone").clean(self.phone, self) if self.phone else None
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before the uniqueness check, so that "Ann@Example.org" collides with "ann@example.org".
        if self.email:
            self.email = normalize_email(self.email)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def set_password(self, raw_password: str | None) -> None:
        """Hash with the current default hasher; None makes the password unusable."""
        self.password_hash = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        """Verify a password; a hash from an older hasher (legacy bcrypt) is upgraded on success."""

        def upgrade(raw: str) -> None:
            self.set_password(raw)
            self.save(update_fields=["password_hash", "updated_at"])

        # No hash at all verifies nothing, but still costs a hash's time: an answer that came
        # back faster would tell who has a password.
        stored = as_django_encoded(self.password_hash) or ""
        return check_password(raw_password, stored, setter=upgrade)

    def has_usable_password(self) -> bool:
        return bool(self.password_hash) and is_password_usable(self.password_hash)

    def record_consent(
        self, granted: bool, *, source: str = "attendee", recorded_by=None, note: str = ""
    ) -> "ConsentChange":
        """Grant or withdraw GPS consent, stamping when it changed and keeping the change.

        `source` says how it was given: by the attendee themselves (API or phone), or recorded
        by staff (`recorded_by`) from a paper form, with a `note`.
        """
        with transaction.atomic():
            self.consent_granted = granted
            self.consent_timestamp = timezone.now()
            self.save(update_fields=["consent_granted", "consent_timestamp", "updated_at"])
            return ConsentChange.objects.create(
                contact=self,
                granted=granted,
                source=source,
                recorded_by=recorded_by,
                note=note,
                created_at=self.consent_timestamp,
            )


class ConsentChange(models.Model):
    """One grant or withdrawal of GPS consent: the history behind Contact.consent_granted."""

    class Source(models.TextChoices):
        ATTENDEE = "attendee", "By the attendee"
        STAFF = "staff", "Recorded by staff (paper form)"

    id = IdField()
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="consent_changes")
    granted = models.BooleanField()
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "consent_changes"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["attendee", "staff"]), name="ck_consent_changes_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{'Granted' if self.granted else 'Withdrawn'} {self.get_source_display().lower()}"
