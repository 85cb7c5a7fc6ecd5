"""Forms for the staff meeting pages."""

import datetime as dt
import zoneinfo

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.geo import coordinate_or_none
from core.timezones import LocalDateTimeFormField
from core.zones import known_zones
from meetings.models import Meeting, MeetingKind
from policies.models import DEFAULT_JURISDICTION_ID, Jurisdiction
from staff.forms.schedule import CUSTOM, ScheduleFields, rule_from_words, words_from_rule

# What a phone's date-and-time picker sends and expects: no seconds, no time zone (the meeting's).
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL_FORMAT)


class MinuteDateTimeField(LocalDateTimeFormField):
    """A date and time to the minute, as the picker shows it, in the current time zone (the
    meeting's, which MeetingForm makes current while it reads its fields)."""

    widget = DateTimeLocalInput

    def has_changed(self, initial: dt.datetime | None, data: object) -> bool:
        # A stored time with seconds is shown rounded down; sent back as shown, it is unchanged.
        if isinstance(initial, dt.datetime):
            initial = initial.replace(second=0, microsecond=0)
            if timezone.is_naive(initial):  # shown in the meeting's zone (MeetingForm), compared in it
                initial = timezone.make_aware(initial)
        return super().has_changed(initial, data)


class JurisdictionChoiceField(forms.ModelChoiceField):
    """A select that, when a submission leaves it out, keeps the meeting's (MeetingForm)."""

    def has_changed(self, initial: object, data: object) -> bool:
        return data not in self.empty_values and super().has_changed(initial, data)


class KindsField(forms.ModelMultipleChoiceField):
    """A meeting's kinds; a blank value among them (a form sending the field with nothing
    chosen) means none rather than an invalid choice."""

    def clean(self, value: object) -> QuerySet[MeetingKind]:
        if isinstance(value, list | tuple):
            value = [item for item in value if item not in self.empty_values]
        elif value in self.empty_values:
            value = []
        return super().clean(value)


class MeetingForm(ScheduleFields, forms.ModelForm):
    """Create or change a meeting. The model's validators (coordinate ranges, radius) and its
    clean() (end after start, a usable recurrence rule) do the checking, so the API and these
    pages agree. The schedule is chosen in words (staff.forms.schedule) or written as a rule."""

    field_order = [
        "name",
        "description",
        "address",
        "lat",
        "lng",
        "time_zone",
        "radius_meters",
        "jurisdiction",
        "kinds",
        "start_time",
        "end_time",
        "repeat",
        "repeat_days",
        "repeat_until",
        "recurrence",
    ]

    class Meta:
        model = Meeting
        fields = [
            "name",
            "description",
            "address",
            "lat",
            "lng",
            "time_zone",
            "radius_meters",
            "jurisdiction",
            "kinds",
            "start_time",
            "end_time",
            "recurrence",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "kinds": forms.CheckboxSelectMultiple,
        }
        field_classes = {
            "start_time": MinuteDateTimeField,
            "end_time": MinuteDateTimeField,
            "jurisdiction": JurisdictionChoiceField,
            "kinds": KindsField,
        }
        labels = {
            "start_time": "Starts",
            "end_time": "Ends",
            "recurrence": "Rule",
            "jurisdiction": "Attendance rules of",
        }
        help_texts = {
            "address": "As attendees will read it on the poster.",
            "lat": "Decimal degrees, north positive, for example 45.51934.",
            "lng": "Decimal degrees, east positive, for example -122.68307.",
            "time_zone": "An IANA name such as America/Los_Angeles. Left blank, it is found from the coordinates.",
            "recurrence": (
                "Only for “Another rule”: RFC 5545, e.g. FREQ=MONTHLY;BYDAY=-1FR (the last Friday). "
                "The start is the first meeting and gives the time of day."
            ),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs.update({"list": "time-zones", "autocomplete": "off"})
        self.fields["start_time"].label = "Starts (the first meeting)"
        self.initial.setdefault("repeat_days", [])
        self._offer_jurisdictions()
        self.fields["kinds"].queryset = MeetingKind.objects.assignable_to(self.instance)
        self.fields["kinds"].help_text = "What sort of meeting it is, as court orders name them."
        if self.instance.pk:
            self.initial.update(words_from_rule(self.instance.recurrence))
        stored_zone = self.instance.time_zone if self.instance.pk else ""
        for name in ("start_time", "end_time"):
            self.fields[name].help_text = (
                f"Local time at the meeting ({stored_zone})." if stored_zone else "Local time at the meeting."
            )
            stored = getattr(self.instance, name) if self.instance.pk else None
            if stored is not None:
                # Shown as the meeting's own clock reads it, not the site's.
                self.initial[name] = timezone.localtime(stored, self.instance.zone).replace(tzinfo=None)

    def _offer_jurisdictions(self) -> None:
        """Active jurisdictions, and the meeting's own even if it was deactivated since. Not
        required: a submission without it (a script, an older form) keeps the meeting's, or
        gives a new one the default jurisdiction's rules."""
        field = self.fields["jurisdiction"]
        current = self.instance.jurisdiction_id if self.instance.pk else DEFAULT_JURISDICTION_ID
        field.queryset = Jurisdiction.objects.filter(Q(is_active=True) | Q(pk=current)).order_by("name")
        field.required = False
        field.empty_label = None
        field.help_text = (
            "Whose rules judge attendance here (see Policies); a change applies to sessions opened from then."
        )
        self.initial.setdefault("jurisdiction", current)

    def clean_jurisdiction(self) -> Jurisdiction:
        chosen = self.cleaned_data.get("jurisdiction")
        if chosen is not None:
            return chosen
        if self.instance.pk:
            return self.instance.jurisdiction
        return Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID)

    @property
    def zone_choices(self) -> list[str]:
        """Suggestions for the time zone box (a datalist: any IANA name may be typed)."""
        return sorted(known_zones())

    def times_zone(self) -> zoneinfo.ZoneInfo:
        """The zone the typed start and end are read in: the one the meeting will have once
        saved (Meeting.zone_after; an unchanged zone box with new coordinates is the new place's,
        as clean() decides)."""
        typed = (self.data.get("time_zone") or "").strip()
        stored = self.instance.time_zone if self.instance.pk else None
        return self.instance.zone_after(
            None if typed == stored else typed,
            coordinate_or_none(self.data.get("lat")),
            coordinate_or_none(self.data.get("lng")),
        )

    def full_clean(self) -> None:
        # Naive local times are read in the meeting's zone (core.timezones.aware_from_local uses
        # the current one), so a time that does not exist or is ambiguous there is refused.
        if not self.is_bound:
            return super().full_clean()
        with timezone.override(self.times_zone()):
            super().full_clean()
            self.changed_data  # noqa: B018  (computed, and cached, while the zone is the meeting's)

    def clean(self) -> dict:
        cleaned = super().clean()
        # Moved elsewhere without a zone given: the zone of the new place, found on save.
        if self.instance.pk and {"lat", "lng"} & set(self.changed_data) and "time_zone" not in self.changed_data:
            cleaned["time_zone"] = ""
        repeat = cleaned.get("repeat") or ""
        if repeat != CUSTOM:
            start = cleaned.get("start_time")
            local_start = start.astimezone(self.times_zone()).date() if start else None
            cleaned["recurrence"] = rule_from_words(
                repeat, cleaned.get("repeat_days") or [], cleaned.get("repeat_until"), local_start
            )
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        # The model names `recurrence`; when the rule was made from the words, they are what to fix.
        if (self.cleaned_data.get("repeat") or "") != CUSTOM and "recurrence" in self.errors:
            for error in self.errors.pop("recurrence"):
                self.add_error("repeat", error)

    def clean_start_time(self) -> dt.datetime | None:
        return self._keep_seconds("start_time")

    def clean_end_time(self) -> dt.datetime | None:
        return self._keep_seconds("end_time")

    def _keep_seconds(self, name: str) -> dt.datetime | None:
        # The picker shows minutes only: a time saved with seconds (through the API) comes back
        # rounded down. Unless the person changed it, keep the stored value, so that editing
        # the name does not quietly move the meeting's times in the audit trail.
        value = self.cleaned_data.get(name)
        stored = getattr(self.instance, name) if self.instance.pk else None
        if value and stored and value == stored.replace(second=0, microsecond=0):
            return stored
        return value


class MeetingFilterForm(forms.Form):
    """The meeting list's search box and active/inactive filter (GET)."""

    STATUS_CHOICES = [("active", "Active"), ("inactive", "Inactive"), ("all", "All")]

    q = forms.CharField(label="Search name or address", required=False, max_length=200)
    kind = forms.ModelChoiceField(
        label="Kind",
        queryset=MeetingKind.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any kind",
    )
    status = forms.ChoiceField(label="Show", choices=STATUS_CHOICES, required=False)

    def filter(self, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
        """`meetings` narrowed to the search, kind and status; active ones when the input is invalid."""
        if "kind" in self.errors:
            return meetings.none()  # no such kind: no meeting is of it
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or "active"
        if status != "all":
            meetings = meetings.filter(is_active=status == "active")
        query = (data.get("q") or "").strip()
        if query:
            meetings = meetings.filter(Q(name__icontains=query) | Q(address__icontains=query))
        if data.get("kind") is not None:
            meetings = meetings.filter(kinds=data["kind"])
        return meetings


class MeetingKindForm(forms.ModelForm):
    """Add a kind, or change one's label and description. The slug is fixed once the kind
    exists: integrations and court orders name kinds by it."""

    class Meta:
        model = MeetingKind
        fields = ["slug", "label", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:  # (a new kind has its id already: IdField's default)
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "Fixed: integrations and filters name the kind by it."
