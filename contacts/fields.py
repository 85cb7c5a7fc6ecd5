"""Form fields for contact data, shared by the admin, the staff site and the attendee's pages."""

from django import forms

from contacts.models import normalize_email


class EmailAddressField(forms.EmailField):
    """An email address in its one form (contacts.models.normalize_email), normalised before
    it is validated: typed in full-width letters or with a long s, it is the same address."""

    def to_python(self, value: object) -> str:
        return normalize_email(super().to_python(value))
