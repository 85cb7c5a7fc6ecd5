"""Forms of the staff mandate pages: the list's filters, a mandate's terms, ending one early.

The forms parse what staff type; mandates.services checks the rules and writes (its
MandateError names the field at fault, and the page shows the error on that field)."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from contacts.caseloads import case_manager_name, case_managers
from mandates.models import Mandate, Period
from mandates.queries import behind, missed_last_period, status_filter
from mandates.services import MAX_COUNT, Terms
from mandates.status import MandateStatus
from meetings.models import Meeting, MeetingKind
from policies.models import DEFAULT_JURISDICTION_ID, Jurisdiction
from staff.forms.attendance import date_field
from staff.forms.meetings import KindsField

# "Ending soon": the last day is within this many days from today.
ENDING_SOON_DAYS = 14


class CaseManagerField(forms.ModelChoiceField):
    def label_from_instance(self, user: object) -> str:
        return case_manager_name(user)


class MandateFilterForm(forms.Form):
    """The mandates list's filters (GET). Invalid values are ignored, so that a hand-edited
    address still shows a list; an unknown kind or case manager matches nothing."""

    q = forms.CharField(label="Case number", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", choices=[("", "Any status"), *MandateStatus.choices], required=False)
    case_manager = CaseManagerField(
        label="Case manager", queryset=case_managers(), required=False, empty_label="Any case manager"
    )
    kind = forms.ModelChoiceField(
        label="Meeting kind",
        queryset=MeetingKind.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any kind",
    )
    attention = forms.ChoiceField(
        label="Needs attention",
        choices=[("", "Any"), ("behind", "Behind now"), ("missed_last", "Missed their last period")],
        required=False,
    )
    ending_soon = forms.ChoiceField(
        label="Ends",
        choices=[("", "Any time"), ("yes", f"Within {ENDING_SOON_DAYS} days")],
        required=False,
    )
    contact = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, data: dict) -> None:
        super().__init__({key: value for key, value in data.items() if value})
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})

    def filter(self, mandates: QuerySet[Mandate], now: dt.datetime, today: dt.date) -> QuerySet[Mandate]:
        """`mandates` narrowed to the valid filters; `today` is the site's date, from which
        "ending soon" counts."""
        if "kind" in self.errors or "case_manager" in self.errors:
            return mandates.none()
        self.is_valid()
        data = self.cleaned_data
        if data.get("q", "").strip():
            mandates = mandates.filter(case_number__icontains=data["q"].strip())
        if data.get("status"):
            mandates = mandates.filter(status_filter(data["status"], now))
        if data.get("attention") == "behind":
            mandates = mandates.filter(pk__in=behind(now).values("pk"))
        elif data.get("attention") == "missed_last":
            mandates = mandates.filter(pk__in=missed_last_period(now).values("pk"))
        if data.get("case_manager") is not None:
            mandates = mandates.filter(contact__case_manager=data["case_manager"])
        if data.get("kind") is not None:
            # Orders that name the kind: staff asking for "AA mandates" mean those, not every
            # order that any meeting satisfies.
            mandates = mandates.filter(kind_links__kind=data["kind"])
        if data.get("ending_soon") == "yes":
            last = today + dt.timedelta(days=ENDING_SOON_DAYS)
            running = Q(ended_on__isnull=True, ends_on__gte=today, ends_on__lte=last)
            mandates = mandates.filter(running)
        if data.get("contact"):
            mandates = mandates.filter(contact_id=data["contact"])
        return mandates


class MeetingsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, meeting: Meeting) -> str:
        return meeting.name if meeting.is_active else f"{meeting.name} (inactive)"


class MandateForm(forms.Form):
    """A mandate's terms as the order gives them (mandates.services.Terms)."""

    case_number = forms.CharField(
        label="Case or docket number", max_length=100, help_text="As the order gives it, such as “CR-2026-01234”."
    )
    jurisdiction = forms.ModelChoiceField(
        label="Ordering authority",
        queryset=Jurisdiction.objects.none(),
        initial=DEFAULT_JURISDICTION_ID,
        help_text="The court or office that made the order: its time zone decides where days begin and end.",
    )
    required_count = forms.IntegerField(
        # The upper bound only: below 1 the service's own words say what is wrong.
        label="Meetings required",
        max_value=MAX_COUNT,
        help_text="How many attended sessions.",
    )
    period = forms.ChoiceField(label="Period", choices=Period.choices, initial=Period.WEEK)
    rolling_days = forms.IntegerField(
        label="Rolling window (days)",
        required=False,
        help_text="Only for “in any rolling window of days”: N meetings in any D days, such as 90 in 90.",
    )
    kinds = KindsField(
        label="Qualifying kinds",
        queryset=MeetingKind.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave both kinds and meetings empty when any meeting counts.",
    )
    meetings = MeetingsField(
        label="Qualifying meetings",
        queryset=Meeting.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Meetings the order names, in addition to the kinds above.",
    )
    starts_on = date_field("Starts on", help_text="The first day of the order.")
    ends_on = date_field("Ends on", help_text="The last day of the order, included.")
    notes = forms.CharField(label="Notes", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, mandate: Mandate | None = None, **kwargs: Any) -> None:
        if mandate is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(mandate)
        super().__init__(*args, **kwargs)
        keep = mandate is not None
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.filter(
            Q(is_active=True) | Q(pk=mandate.jurisdiction_id if keep else None)
        ).order_by("name")
        self.fields["kinds"].queryset = MeetingKind.objects.filter(
            Q(is_active=True) | Q(pk__in=mandate.kind_links.values("kind_id") if keep else [])
        )
        self.fields["meetings"].queryset = Meeting.objects.filter(
            Q(is_active=True) | Q(pk__in=mandate.meeting_links.values("meeting_id") if keep else [])
        ).order_by("name")

    def terms(self) -> Terms:
        """The terms for mandates.services; call after is_valid()."""
        data = self.cleaned_data
        return Terms(
            case_number=data["case_number"],
            required_count=data["required_count"],
            period=data["period"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            rolling_days=data.get("rolling_days"),
            jurisdiction=data["jurisdiction"],
            kinds=list(data.get("kinds") or []),
            meetings=list(data.get("meetings") or []),
            notes=data.get("notes", ""),
        )


def initial_of(mandate: Mandate) -> dict[str, Any]:
    return {
        "case_number": mandate.case_number,
        "jurisdiction": mandate.jurisdiction_id,
        "required_count": mandate.required_count,
        "period": mandate.period,
        "rolling_days": mandate.rolling_days,
        "kinds": [link.kind_id for link in mandate.kind_links.all()],
        "meetings": [link.meeting_id for link in mandate.meeting_links.all()],
        "starts_on": mandate.starts_on,
        "ends_on": mandate.ends_on,
        "notes": mandate.notes,
    }


class EndEarlyForm(forms.Form):
    """Ending a mandate before its last day: the names are mandates.services.end_early's fields."""

    ended_on = date_field("Last day it ran", help_text="Included: its periods stop at the end of this day.")
    reason = forms.CharField(
        label="Why it ends early",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the mandate, e.g. “Case dismissed on 3 March” or “Transferred to Clackamas County”.",
    )
