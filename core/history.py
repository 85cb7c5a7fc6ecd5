"""The audit trail of one object, as people read it: who changed what, when, from what to what."""

import datetime as dt
from dataclasses import dataclass

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
        if record.history_type == "+":
            # An adopted legacy row's first record says so (its change reason).
            action, fields = record.history_change_reason or "Created", ()
        elif previous is None and len(records) <= limit:
            # The row predates its audit trail (written outside Django): what it was is unknown.
            action, fields = "Changed (earlier values were not recorded)", ()
        elif previous is None:
            break  # older records beyond the limit
        else:
            action = "Deleted" if record.history_type == "-" else "Changed"
            fields = _differences(obj, previous, record)
            if not fields and action == "Changed":
                continue
        changes.append(Change(record.history_date, who, action, fields))
    return _with_related_names(obj, changes)


def _with_related_names(obj: models.Model, changes: list[Change]) -> list[Change]:
    """A changed reference (a contact's case manager) reads as the row it names, not its id:
    one query per referenced table, and none when no reference changed."""
    references = {
        str(field.verbose_name): field.related_model for field in obj._meta.concrete_fields if field.is_relation
    }
    wanted: dict[type[models.Model], set] = {}
    for change in changes:
        for item in change.fields:
            if item.field in references:
                wanted.setdefault(references[item.field], set()).update(
                    v for v in (item.old, item.new) if v is not None
                )
    if not wanted:
        return changes
    names = {
        model: {pk: str(row) for pk, row in model._base_manager.in_bulk(list(ids)).items()}
        for model, ids in wanted.items()
    }

    def readable(item: FieldChange) -> FieldChange:
        if item.field not in references:
            return item
        known = names[references[item.field]]
        return FieldChange(item.field, known.get(item.old, item.old), known.get(item.new, item.new))

    return [
        Change(change.when, change.who, change.action, tuple(readable(item) for item in change.fields))
        for change in changes
    ]


def _differences(obj: models.Model, older: models.Model, newer: models.Model) -> tuple[FieldChange, ...]:
    """Every tracked column that changed, not only the editable ones (simple-history's own
    diff_against compares those only): a new QR code or a status set by a service matters."""
    tracked = {field.name for field in obj.history.model._meta.fields}
    return tuple(
        FieldChange(
            str(field.verbose_name),
            _readable(field, getattr(older, field.attname)),
            _readable(field, getattr(newer, field.attname)),
        )
        for field in obj._meta.concrete_fields
        if field.name in tracked
        and field.name not in NOISE
        and not field.primary_key
        and getattr(older, field.attname) != getattr(newer, field.attname)
    )


def _readable(field: models.Field, value: object) -> object:
    # A status reads "Checked in", not "checked_in".
    return dict(field.flatchoices).get(value, value) if field.choices else value
