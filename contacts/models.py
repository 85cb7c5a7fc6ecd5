import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from contacts.hashers import as_django_encoded
from core.db import Deactivatable, IdField, audit_trail, created_at_field, updated_at_field


class ContactQuerySet(models.QuerySet):
    def active(self) -> "ContactQuerySet":
        return self.filter(is_active=True)

    def by_email(self, email: str) -> "ContactQuerySet":
        """The contact with this address, however it was typed (see `normalize_email`).

        An exact match on the stored, normalised address: the same answer on SQLite and
        PostgreSQL, and the same string that keys the sign-in limit (access.limits), so no
        spelling of an address reaches an account without counting against that account.
        """
        return self.filter(email=normalize_email(email))


def validate_no_extension(number: object) -> None:
    # E.164 has no room for an extension: storing the number without it would silently change it.
    if getattr(number, "extension", None):
        raise ValidationError("Phone extensions cannot be stored; give a direct number.", code="extension")


def normalize_email(email: str) -> str:
    """The one form of an email address that is stored, looked up and limited.

    Unicode compatibility forms are folded first (NFKC: full-width letters, the KELVIN SIGN
    U+212A and the LATIN SMALL LETTER LONG S U+017F become plain "a", "K" and "s"; a letter and
    its combining accent become one character), then capitals (attendees type on phone
    keyboards that capitalise at will), then NFKC again, because lower-casing can itself produce
    a decomposed form (U+0130, a capital I with a dot, gives "i" and a combining dot). Databases
    fold case by their own rules (PostgreSQL's UPPER() maps U+017F and the dotless U+0131 to
    ASCII; SQLite folds ASCII only), so nothing compares addresses case-insensitively in SQL:
    every path compares this form exactly.
    """
    folded = unicodedata.normalize("NFKC", email).strip().lower()
    return unicodedata.normalize("NFKC", folded)


def validate_plain_local_part(email: str) -> None:
    """Refuse an address whose part before the "@" is not plain ASCII once normalised.

    Django's EmailValidator lets four non-ASCII letters through (U+0130, U+0131, U+017F and
    U+212A: Python's case-insensitive [A-Z] matches them); U+017F and U+212A normalise to ASCII,
    but a dotless i (U+0131) would make a second account that reads like the first.
    """
    local_part = normalize_email(email).rpartition("@")[0]
    if not local_part.isascii():
        raise ValidationError(
            "Use the address's plain letters (a-z, digits, and . _ + -) before the @.", code="invalid"
        )


class Contact(Deactivatable, models.Model):
    """A person who must attend meetings (an attendee); not a Django user."""

    id = IdField()
    email = models.EmailField(max_length=255, validators=[validate_plain_local_part])
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
    # The staff member whose caseload the contact is in (contacts.caseloads); changes are in the
    # audit trail. Indexed under its own name below, as every index is.
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="caseload",
        verbose_name="case manager",
    )
    is_active = models.BooleanField(default=True, db_default=True)
    credentials_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the password was last set or the contact deactivated: API tokens and set-password "
        "links issued before then no longer work.",
    )
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
            # Not in the reference: "my caseload" on the staff lists and the API's filter.
            models.Index(fields=["case_manager"], name="ix_contacts_case_manager"),
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.email:
            self.email = normalize_email(self.email)
        # However a contact is deactivated (the staff pages, the API's PATCH or DELETE, the
        # admin), what was issued to sign in as them ends with it and stays ended if they are
        # reactivated: a token or a set-password link must be issued again.
        if getattr(self, "_was_active", None) and self.is_active is False:
            self.credentials_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "credentials_changed_at"}
        # Every write path stores E.164 or nothing: never "", never a number that did not parse.
        # A save of other fields leaves the phone alone: a legacy row's unparsable number must
        # not stop its owner from signing in or consenting.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "phone" in update_fields:
            self.phone = self._meta.get_field("phone").clean(self.phone, self) if self.phone else None
        super().save(*args, **kwargs)
        self._was_active = self.is_active

    @classmethod
    def from_db(cls, db: str, field_names: list[str], values: list) -> "Contact":
        contact = super().from_db(db, field_names, values)
        contact._was_active = contact.__dict__.get("is_active")
        contact._loaded_case_manager_id = contact.__dict__.get("case_manager_id")
        return contact

    def clean(self) -> None:
        # Before the uniqueness check, so that "Ann@Example.org" collides with "ann@example.org".
        if self.email:
            self.email = normalize_email(self.email)
        # Only a new assignment is checked: a contact whose case manager has since left can
        # still be edited, and is reassigned when someone chooses another.
        if self.case_manager_id is not None and self.case_manager_id != getattr(self, "_loaded_case_manager_id", None):
            from contacts.caseloads import validate_case_manager

            validate_case_manager(self.case_manager_id)

    @property
    def case_manager_name(self) -> str:
        """The case manager's name ("" for none); select_related("case_manager") to read it in lists."""
        from contacts.caseloads import case_manager_name

        return case_manager_name(self.case_manager) if self.case_manager_id else ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def set_password(self, raw_password: str | None) -> None:
        """Set a new password (None: no usable password), to be saved by the caller.

        Every path that sets a contact's password comes here, so every one of them applies
        AUTH_PASSWORD_VALIDATORS (ValidationError listing what is wrong; callers validate first
        with `validate_new_password` to name their own field) and ends the credentials issued
        before: API tokens and set-password links (`credentials_changed_at`).
        """
        if raw_password is not None:
            validate_new_password(raw_password, self)
        self.password_hash = make_password(raw_password)
        self.credentials_changed_at = timezone.now()

    def check_password(self, raw_password: str) -> bool:
        """Verify a password; a hash from an older hasher (legacy bcrypt) is upgraded on success."""

        def upgrade(raw: str) -> None:
            # The same password, hashed anew: no validation (it predates the rules) and no
            # change of credentials (the attendee's tokens stay theirs).
            self.password_hash = make_password(raw)
            self.save(update_fields=["password_hash", "updated_at"])

        # No hash at all verifies nothing, but still costs a hash's time: an answer that came
        # back faster would tell who has a password.
        stored = as_django_encoded(self.password_hash) or ""
        return check_password(raw_password, stored, setter=upgrade)

    def has_usable_password(self) -> bool:
        return bool(self.password_hash) and is_password_usable(self.password_hash)

    def record_consent(
        self, granted: bool, *, source: str = "attendee", recorded_by: AbstractBaseUser | None = None, note: str = ""
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


def validate_new_password(raw_password: str, contact: Contact) -> None:
    """Django's AUTH_PASSWORD_VALIDATORS (12 characters or more, not common, not all digits,
    not like the contact's name or email) for a contact's new password; ValidationError."""
    password_validation.validate_password(raw_password, user=contact)


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
