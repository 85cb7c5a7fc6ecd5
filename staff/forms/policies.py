"""Forms of the staff policy pages: a jurisdiction, and publishing a new version of its rules."""

import datetime as dt
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone

from policies.models import RULES, Jurisdiction, PolicyVersion
from policies.services import RULE_FIELDS
from staff.forms.meetings import MinuteDateTimeField

# policies.services.check_rules accepts durations from 0 to 7 days; the form says so first.
LONGEST_DURATION_MINUTES = 7 * 24 * 60
MEANINGS = dict(RULES)


class JurisdictionForm(forms.ModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["name", "kind", "time_zone", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "name": "As the court, office or program calls itself, e.g. “Multnomah County Drug Court”.",
            "description": "Optional: who it is, and whom to ask about its rules.",
        }


def is_duration(name: str) -> bool:
    return isinstance(PolicyVersion._meta.get_field(name), models.DurationField)


def _rule_field(name: str) -> forms.Field:
    """The form field for one rule: durations in whole minutes, distances in metres."""
    model_field = PolicyVersion._meta.get_field(name)
    label = model_field.verbose_name[:1].upper() + model_field.verbose_name[1:]
    help_text = MEANINGS[name]
    if is_duration(name):
        return forms.IntegerField(
            label=f"{label} (minutes)", min_value=0, max_value=LONGEST_DURATION_MINUTES, help_text=help_text
        )
    if name == "check_out_must_be_verified":
        return forms.BooleanField(label=label, required=False, help_text=help_text)
    if name == "min_stay_percent":
        return forms.IntegerField(label=label, min_value=1, max_value=100, help_text=help_text)
    # Distances: their range is policies.services.check_rules', which names the field.
    return forms.FloatField(label=label, help_text=help_text)


class PublishVersionForm(forms.Form):
    """The rules of a new version, prefilled with `latest`'s, and when it takes effect: now, or
    a later time on the site's clock (a time the clocks skip or show twice is refused, as on the
    meeting forms: core.timezones). policies.services.publish checks the rest."""

    effective_from = MinuteDateTimeField(
        label="Takes effect",
        required=False,
        help_text="Leave empty to take effect now. Sessions opened from then on are judged by it; "
        "sessions already opened keep the rules they were opened under.",
    )

    def __init__(self, *args: Any, latest: PolicyVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in RULE_FIELDS:
            self.fields[name] = _rule_field(name)
            if latest is not None:
                value = getattr(latest, name)
                self.initial[name] = value // dt.timedelta(minutes=1) if is_duration(name) else value
        self.fields["notes"] = forms.CharField(
            label="Why this version",
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="Kept with the version, e.g. “Court order of 3 March: on time until 5 minutes after the start.”",
        )
        self.fields["effective_from"].help_text += f" Local time, {timezone.get_current_timezone_name()}."

    def rules(self) -> dict[str, Any]:
        """The rules as policies.services.publish takes them; call after is_valid()."""
        data = self.cleaned_data
        return {
            name: dt.timedelta(minutes=data[name]) if is_duration(name) else data[name]
            for name in RULE_FIELDS
            if name in data
        }
