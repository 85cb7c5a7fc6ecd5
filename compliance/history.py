"""The audit trail of one object, as people read it: who changed what, when, from what to what."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models

# Columns that change on every save and say nothing a reader needs.
NOISE = {"updated_at", "is_complete"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class Change:
    when: dt.datetime
    who: str
    action: str  # "Created", "Changed", "Deleted"
    fields: tuple[FieldChange, ...]


def changes_for(obj: models.Model, limit: int = 50) -> list[Change]:
    """The latest `limit` changes to `obj`, newest first, in one query."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    changes = []
    for record, previous in zip(records, [*records[1:], None], strict=False):
        if len(changes) == limit:
            break
        who = record.history_user.get_username() if record.history_user else "Attendee or system"
        if previous is None or record.history_type == "+":
            action, fields = "Created", ()
        else:
            action = "Deleted" if record.history_type == "-" else "Changed"
            delta = record.diff_against(previous)
            fields = tuple(
                FieldChange(_label(obj, change.field), change.old, change.new)
                for change in delta.changes
                if change.field not in NOISE
            )
            if not fields and action == "Changed":
                continue
        changes.append(Change(record.history_date, who, action, fields))
    return changes


def _label(obj: models.Model, field_name: str) -> str:
    try:
        return str(obj._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:  # a column no longer on the model
        return field_name
