"""Forms of the attendee pages: sign-in, and the position a phone's browser posts."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from attendance.services import EventReport, Fix
from contacts.fields import EmailAddressField


class SignInForm(forms.Form):
    email = EmailAddressField(max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        max_length=1024, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PositionForm(forms.Form):
    """The hidden fields static/js/checkin.js fills in before posting a check-in or check-out."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180)
    accuracy = forms.FloatField(required=False, min_value=0)
    ts_client = forms.CharField(max_length=40)
    event_id = forms.UUIDField()
    gps_timeout = forms.BooleanField(required=False)

    def clean_ts_client(self):
        try:
            value = parse_datetime(self.cleaned_data["ts_client"])
        except ValueError:
            value = None
        if value is None:
            raise forms.ValidationError("The phone's time is not a date and time in ISO 8601.")
        if timezone.is_naive(value):
            raise forms.ValidationError("The phone's time has no UTC offset.")
        return value

    def clean_event_id(self) -> str:
        value: uuid.UUID = self.cleaned_data["event_id"]
        if value.version != 4:
            raise forms.ValidationError("The event id is not a random UUID (version 4).")
        return str(value)

    def clean(self):
        data = super().clean()
        if not data.get("gps_timeout") and not self.errors and (data.get("lat") is None or data.get("lng") is None):
            raise forms.ValidationError("No position was sent: location and JavaScript must be on.")
        return data

    def report(self) -> EventReport:
        data = self.cleaned_data
        # A phone that found no position: none is recorded, whatever else was sent.
        fix = Fix(timed_out=True) if data["gps_timeout"] else Fix(data["lat"], data["lng"], data["accuracy"])
        return EventReport(ts_client=data["ts_client"], fix=fix, event_id=data["event_id"])
