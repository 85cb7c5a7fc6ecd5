"""Forms of the attendee pages: sign-in, the position a phone's browser posts, a new password."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from attendance.services import EventReport, Fix
from contacts.fields import EmailAddressField
from contacts.models import Contact


class SignInForm(forms.Form):
    email = EmailAddressField(max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        max_length=1024, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PositionForm(forms.Form):
    """The hidden fields static/js/checkin.js fills in before posting a check-in or check-out.

    Parsing only: every rule about the values (ranges, the UTC offset, the event id's form, a
    position or a timeout) is attendance.services', which the API's answers come from too."""

    lat = forms.FloatField(required=False)
    lng = forms.FloatField(required=False)
    accuracy = forms.FloatField(required=False)
    ts_client = forms.CharField(max_length=40)
    event_id = forms.CharField(max_length=64)
    gps_timeout = forms.BooleanField(required=False)

    def clean_ts_client(self) -> dt.datetime:
        # Only parsed here: whether it has an offset, and is not too old or ahead, is the
        # service's rule (attendance.services), for the API and this page alike.
        try:
            value = parse_datetime(self.cleaned_data["ts_client"])
        except ValueError:
            value = None
        if value is None:
            raise forms.ValidationError("The phone's time is not a date and time in ISO 8601.")
        return value

    def report(self) -> EventReport:
        data = self.cleaned_data
        # A phone that found no position: none is recorded, whatever else was sent. A position
        # out of range, or none without a timeout, is the service's to refuse.
        fix = Fix(timed_out=True) if data["gps_timeout"] else Fix(data["lat"], data["lng"], data["accuracy"])
        return EventReport(ts_client=data["ts_client"], fix=fix, event_id=data["event_id"])


class ChoosePasswordForm(forms.Form):
    """An attendee's new password, typed twice and checked by the site's password validators."""

    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=" ".join(password_validation.password_validators_help_texts()),
    )
    password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, contact: Contact, *args: Any, **kwargs: Any) -> None:
        self.contact = contact
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2:
            if password1 != password2:
                self.add_error("password2", ValidationError("The two passwords differ.", code="password_mismatch"))
            else:
                try:
                    # Contact has the attributes the similarity validator compares (names, email).
                    password_validation.validate_password(password1, user=self.contact)
                except ValidationError as error:
                    self.add_error("password1", error)
        return cleaned
