"""Forms of the staff attendance pages: the sessions filters, ending a session, the report."""

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from attendance.models import LocationFlag, SessionStatus
from attendance.outcomes import Outcome
from attendance.queries import with_attendance
from attendance.reports import Period, local_midnight
from contacts.models import Contact, normalize_email
from meetings.models import Meeting

# Dates outside these years are typing mistakes; far-off ones would also overflow once turned
# into UTC instants for the query.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)
# A report is read by a person; longer ranges are several reports.
MAX_REPORT_DAYS = 366
# A name search offering more than this asks for a more precise name instead.
MAX_CANDIDATES = 10


def validate_plausible_date(value: dt.date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise forms.ValidationError(
            "Enter a date between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
        )


class DateInput(forms.DateInput):
    input_type = "date"


def date_field(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput, validators=[validate_plausible_date], **kwargs)


def contact_matches(text: str, prefix: str = "") -> Q:
    """Contacts whose first name, last name or email contain every word of `text`, so that
    "ann smith" finds Ann Smith. `prefix` reaches the contact from another model ("contact__")."""
    matches = Q()
    for word in text.split():
        matches &= (
            Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
            | Q(**{f"{prefix}email__icontains": word})
        )
    return matches


class SessionFilterForm(forms.Form):
    """The sessions list's filters, from the query string. A bad value is a form error shown
    on the page, never a 500, and never silently ignored (an unfiltered list would mislead)."""

    q = forms.CharField(label="Contact name or email", required=False, max_length=200)
    # Set by links from a contact's page; the search box covers typing.
    contact = forms.UUIDField(label="Contact id", required=False, widget=forms.HiddenInput)
    # Set by links from a meeting's page: a list of every meeting would not fit a select.
    meeting = forms.UUIDField(label="Meeting id", required=False, widget=forms.HiddenInput)
    place = forms.CharField(label="Meeting or destination", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", choices=[("", "Any"), *SessionStatus.choices], required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Any"), *Outcome.choices], required=False)
    flag = forms.ChoiceField(label="Check-in result", choices=[("", "Any"), *LocationFlag.choices], required=False)
    start = date_field("Started on or after", required=False)
    end = date_field("Started on or before", required=False)

    def clean_contact(self) -> Contact | None:
        return self._by_id(Contact, "contact", "No contact has this id.")

    def clean_meeting(self) -> Meeting | None:
        return self._by_id(Meeting, "meeting", "No meeting has this id.")

    def _by_id(self, model: type[Contact | Meeting], field: str, unknown: str) -> Contact | Meeting | None:
        object_id = self.cleaned_data[field]
        if object_id is None:
            return None
        found = model.objects.filter(pk=str(object_id)).first()
        if found is None:
            raise forms.ValidationError(unknown, code=f"unknown_{field}")
        return found

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        return data

    def filter(self, sessions: QuerySet) -> QuerySet:
        """`sessions` narrowed by the valid filters; call after is_valid()."""
        data = self.cleaned_data
        if data.get("q"):
            sessions = sessions.filter(contact_matches(data["q"], prefix="contact__"))
        if data.get("contact"):
            sessions = sessions.filter(contact=data["contact"])
        if data.get("meeting"):
            sessions = sessions.filter(meeting=data["meeting"])
        if data.get("place"):
            sessions = sessions.filter(dest_name__icontains=data["place"])
        if data.get("status"):
            sessions = sessions.filter(status=data["status"])
        if data.get("outcome"):
            # The stored judgement (attendance.outcomes), by its plain column (ix_sessions_outcome).
            sessions = sessions.filter(outcome=data["outcome"])
        if data.get("flag"):
            # The session's verdict, as its row shows it (attendance.queries), not any attempt's.
            sessions = with_attendance(sessions).filter(check_in_flag=data["flag"])
        if data.get("start"):
            sessions = sessions.filter(created_at__gte=local_midnight(data["start"]))
        if data.get("end"):
            sessions = sessions.filter(created_at__lt=local_midnight(data["end"] + dt.timedelta(days=1)))
        return sessions


class EndSessionForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the session's evidence, e.g. “Left early; confirmed by phone with the attendee.”",
    )


class ReportForm(forms.Form):
    """Whose attendance, over which days. The contact is found by id, email or name."""

    contact = forms.CharField(label="Contact name, email or id", max_length=200)
    start = date_field("From")
    end = date_field("To (inclusive)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Contacts matching an ambiguous name, offered to choose from.
        self.candidates: list[Contact] = []

    def clean_contact(self) -> Contact:
        text = self.cleaned_data["contact"].strip()
        try:
            contact_id = str(uuid.UUID(text))
        except ValueError:
            contact_id = None
        if contact_id is not None:
            contact = Contact.objects.filter(pk=contact_id).first()
            if contact is None:
                raise forms.ValidationError("No contact has this id.", code="unknown_contact")
            return contact
        if "@" in text:
            contact = Contact.objects.by_email(text).first()
            if contact is None:
                raise forms.ValidationError(
                    "No contact has the email address %(email)s.",
                    code="unknown_contact",
                    params={"email": normalize_email(text)},
                )
            return contact
        found = list(Contact.objects.filter(contact_matches(text))[: MAX_CANDIDATES + 1])
        if not found:
            raise forms.ValidationError("No contact matches “%(text)s”.", code="unknown_contact", params={"text": text})
        if len(found) > 1:
            self.candidates = found[:MAX_CANDIDATES]
            many = "More than %(count)d" if len(found) > MAX_CANDIDATES else "%(count)d"
            raise forms.ValidationError(
                f"{many} contacts match “%(text)s”: choose one below, or type more of the name or the email.",
                code="ambiguous_contact",
                params={"count": min(len(found), MAX_CANDIDATES), "text": text},
            )
        return found[0]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date is before the start date.")
            elif (end - start).days + 1 > MAX_REPORT_DAYS:
                self.add_error("end", f"A report covers at most {MAX_REPORT_DAYS} days; make one report per year.")
        return data

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])
