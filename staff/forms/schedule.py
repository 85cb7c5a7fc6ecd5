"""The meeting form's schedule in plain words (repeat: never, weekly on..., every 2 weeks on...,
monthly on the first ..., or a rule as written), turned into and read back from the RFC 5545
rule that Meeting.recurrence stores. meetings.recurrence checks the rule; this only spells it."""

import datetime as dt

from django import forms

from meetings.recurrence import WEEKDAYS
from meetings.wording import DAY_NAMES, ORDINALS

NEVER, WEEKLY, FORTNIGHTLY, MONTHLY, CUSTOM = "", "weekly", "fortnightly", "monthly", "custom"
REPEAT_CHOICES = [
    (NEVER, "Does not repeat"),
    (WEEKLY, "Every week, on the days ticked"),
    (FORTNIGHTLY, "Every 2 weeks, on the days ticked"),
    (MONTHLY, "Every month, on the same weekday of the month as the start (e.g. the first Monday)"),
    (CUSTOM, "Another rule, written out (RFC 5545)"),
]
INTERVALS = {WEEKLY: "1", FORTNIGHTLY: "2"}


def nth_weekday(day: dt.date) -> str:
    """'1MO' for the first Monday of its month, '-1FR' for a fifth (so last) Friday."""
    number = (day.day - 1) // 7 + 1
    return f"{-1 if number == 5 else number}{WEEKDAYS[day.weekday()]}"


def rule_from_words(repeat: str, days: list[str], until: dt.date | None, start: dt.date | None) -> str:
    """The rule for the plain-words choice, or "" for none. `start` is the first occurrence's
    local date (the monthly rule takes its weekday of the month from it)."""
    if repeat == NEVER:
        return ""
    if repeat in INTERVALS:
        parts = ["FREQ=WEEKLY"] + (["INTERVAL=2"] if repeat == FORTNIGHTLY else [])
        chosen = [code for code in WEEKDAYS if code in days] or ([WEEKDAYS[start.weekday()]] if start else [])
        parts.append("BYDAY=" + ",".join(chosen))
    else:
        parts = ["FREQ=MONTHLY", f"BYDAY={nth_weekday(start)}"] if start else ["FREQ=MONTHLY"]
    if until is not None:
        parts.append(f"UNTIL={until:%Y%m%d}")
    return ";".join(parts)


def words_from_rule(rule: str) -> dict[str, object]:
    """The form's initial schedule fields for a stored rule: the plain words where they say
    exactly the rule, else CUSTOM with the rule as written."""
    if not rule:
        return {"repeat": NEVER}
    parts = dict(item.split("=", 1) for item in rule.split(";"))
    until = parts.pop("UNTIL", None)
    if until is not None:
        try:
            until = dt.datetime.strptime(until, "%Y%m%d").date()
        except ValueError:
            return {"repeat": CUSTOM}
    interval = parts.pop("INTERVAL", "1")
    if parts.get("FREQ") == "WEEKLY" and set(parts) == {"FREQ", "BYDAY"} and interval in ("1", "2"):
        days = parts["BYDAY"].split(",")
        if all(code in DAY_NAMES for code in days):
            return {"repeat": WEEKLY if interval == "1" else FORTNIGHTLY, "repeat_days": days, "repeat_until": until}
    if parts.get("FREQ") == "MONTHLY" and set(parts) == {"FREQ", "BYDAY"} and interval == "1":
        number, day = parts["BYDAY"][:-2], parts["BYDAY"][-2:]
        if number.lstrip("-").isdigit() and int(number) in ORDINALS and day in DAY_NAMES:
            return {"repeat": MONTHLY, "repeat_until": until}
    return {"repeat": CUSTOM}


class WeekdaysField(forms.MultipleChoiceField):
    """Ticked weekdays; an empty value (a script posting the form as text) is none ticked."""

    def to_python(self, value: object) -> list[str]:
        return [day for day in super().to_python(value) if day]


class ScheduleFields(forms.Form):
    """Mixed into MeetingForm: the plain-words fields next to the model's `recurrence`."""

    repeat = forms.ChoiceField(label="Repeats", choices=REPEAT_CHOICES, required=False)
    repeat_days = WeekdaysField(
        label="On",
        choices=[(code, DAY_NAMES[code]) for code in WEEKDAYS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="For weekly meetings; none ticked: the start's day.",
    )
    repeat_until = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day it may meet, at the meeting. Blank: no end.",
    )
