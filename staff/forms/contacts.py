"""Forms for the staff contact pages."""

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet, TextField, Value
from django.db.models.functions import Concat

from attendance.services import Destination
from contacts.caseloads import case_manager_name, case_managers
from contacts.fields import EmailAddressField
from contacts.models import Contact
from core.validators import validate_latitude, validate_longitude

PHONE_CHARACTERS = "0123456789+-(). "
YES_NO_ALL = [("yes", "Yes"), ("no", "No"), ("all", "All")]


class ContactFilterForm(forms.Form):
    """The contact list's search box and filters. Unknown values fall back to the defaults,
    so a hand-edited address still shows a list."""

    q = forms.CharField(label="Name, email or phone", required=False)
    active = forms.ChoiceField(label="Active", choices=YES_NO_ALL, required=False)
    consent = forms.ChoiceField(label="GPS consent", choices=YES_NO_ALL, required=False)

    DEFAULTS = {"q": "", "active": "yes", "consent": "all"}

    def __init__(self, data: dict) -> None:
        super().__init__({**self.DEFAULTS, **{key: value for key, value in data.items() if value}})
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})

    @property
    def search(self) -> str:
        self.is_valid()  # cleaned_data then holds the fields that are valid
        return self.cleaned_data.get("q", "").strip()

    def filter(self, queryset: QuerySet[Contact]) -> QuerySet[Contact]:
        """Contacts matching the search and the active and consent filters. A search that looks
        like a phone number matches phones by digits; anything else must match every word
        somewhere in the name or the email."""
        self.is_valid()
        values = {**self.DEFAULTS, **{key: value for key, value in self.cleaned_data.items() if value}}
        query = self.search
        digits = "".join(char for char in query if char.isdigit())
        if len(digits) >= 3 and not query.strip(PHONE_CHARACTERS):
            # Phones are stored in E.164 (+15035550100), so "(503) 555-0100" finds it by digits.
            queryset = queryset.filter(phone__contains=digits)
        elif query:
            # One text per row instead of three case-insensitive comparisons: the search reads
            # every row (no index serves "contains"), and this costs half as much. icontains, not
            # Lower() and contains: SQLite's LOWER() folds ASCII only (core/sqlite.py).
            name_and_email = Concat(
                "first_name", Value(" "), "last_name", Value(" "), "email", output_field=TextField()
            )
            queryset = queryset.alias(name_and_email=name_and_email)
            for word in query.split():
                queryset = queryset.filter(name_and_email__icontains=word)
        for name, field in (("active", "is_active"), ("consent", "consent_granted")):
            if values[name] in ("yes", "no"):
                queryset = queryset.filter(**{field: values[name] == "yes"})
        return queryset


class CaseManagerField(forms.ModelChoiceField):
    def label_from_instance(self, user: object) -> str:
        return case_manager_name(user)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "phone", "ghl_contact_id", "case_manager", "notes"]
        field_classes = {"email": EmailAddressField}
        error_messages = {
            "email": {"unique": "A contact with this email already exists."},
            "ghl_contact_id": {"unique": "Another contact already has this GoHighLevel id."},
        }
        help_texts = {
            "notes": "Seen by staff only.",
            "case_manager": "The staff member whose caseload this contact is in.",
        }
        labels = {"case_manager": "Case manager"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        phone = self.fields["phone"]
        phone.error_messages["invalid"] = (
            "Enter a phone number with its country code, such as +1 503 555 0100, "
            f"or a {settings.PHONENUMBER_DEFAULT_REGION} number such as (503) 555-0100."
        )
        phone.help_text = (
            f"With the country code, e.g. +1 503 555 0100; without one, it is read as a "
            f"{settings.PHONENUMBER_DEFAULT_REGION} number."
        )
        phone.widget.input_type = "tel"
        # Staff type someone else's details: their browser must not offer its own.
        for name in ("first_name", "last_name", "email", "phone"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["notes"].widget.attrs["rows"] = 3
        # Active staff, and whoever is assigned now (who may since have left): re-saving the
        # form must not fail on a choice the user did not make.
        current = self.instance.case_manager_id
        managers = case_managers()
        if current is not None:
            managers = managers | type(self.instance).case_manager.field.related_model.objects.filter(pk=current)
        self.fields["case_manager"] = CaseManagerField(
            queryset=managers.distinct(),
            required=False,
            label="Case manager",
            empty_label="(none)",
            help_text=self.fields["case_manager"].help_text,
        )
        # Blank notes are stored as NULL, as the API and the admin store them: "" would show in
        # the audit trail as a change from nothing to nothing.
        self.fields["notes"].empty_value = None


class GrantConsentForm(forms.Form):
    note = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where the signed paper form is kept, or who witnessed it.",
    )


class WithdrawConsentForm(forms.Form):
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Why, if known."
    )


class DestinationSessionForm(forms.Form):
    """A place staff approve for one attendee's session (a court-approved treatment centre).
    Field names follow attendance.services' errors, which name `dest_name`, `lat` or `lng`."""

    dest_name = forms.CharField(label="Destination name", max_length=255)
    dest_address = forms.CharField(label="Address", max_length=500)
    lat = forms.FloatField(
        label="Latitude",
        validators=[validate_latitude],
        help_text="Decimal degrees, north positive, for example 45.51934.",
    )
    lng = forms.FloatField(
        label="Longitude",
        validators=[validate_longitude],
        help_text="Decimal degrees, east positive, for example -122.68307.",
    )

    def destination(self) -> Destination:
        data = self.cleaned_data
        return Destination(data["dest_name"].strip(), data["dest_address"].strip(), data["lat"], data["lng"])
