"""Column conventions shared by every table (see the schema reference's best practices)."""

import uuid
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.functions import Now
from django.utils import timezone


def new_id() -> str:
    """A new primary key: a hyphenated UUID4 string, as the legacy tables store them."""
    return str(uuid.uuid4())


class IdField(models.CharField):
    """A 36-character hyphenated UUID4 string primary key.

    Not UUIDField: Django stores that as char(32) without hyphens on SQLite, and existing
    databases hold hyphenated strings.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("max_length", 36)
        kwargs.setdefault("default", new_id)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple:
        name, path, args, kwargs = super().deconstruct()
        # Said explicitly when False (history tables copy the id as a plain column), because
        # __init__ would otherwise make it a primary key again.
        if not self.primary_key:
            kwargs["primary_key"] = False
        return name, path, args, kwargs

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "postgresql":
            # The same type as varchar(36), spelt so that Django's PostgreSQL backend adds no
            # varchar_pattern_ops "_like" index: ids are matched whole, never with LIKE, and
            # an extra index on every event row would only slow inserts.
            return f"character varying({self.max_length})"
        return super().db_type(connection)


def created_at_field() -> models.DateTimeField:
    """Set on insert; the database default also covers rows written outside Django."""
    return models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)


def updated_at_field() -> models.DateTimeField:
    """Set on every save."""
    return models.DateTimeField(auto_now=True, db_default=Now())


def history_user(instance: object = None, request: object = None, **kwargs: object) -> object:
    """Who made a change, for the audit trail: the signed-in staff user, or nobody.

    API requests by attendees carry an Attendee, not a Django user; their changes (a check-in
    moving a session along) are recorded without a user, the event itself saying who.
    """
    from django.contrib.auth.models import AbstractBaseUser

    user = getattr(request, "user", None)
    return user if isinstance(user, AbstractBaseUser) and user.is_authenticated else None


def audit_trail(**kwargs: object) -> object:
    """The history of every change to a model's rows: who, when, and the values after it."""
    from simple_history.models import HistoricalRecords

    return HistoricalRecords(get_user=history_user, **kwargs)


class Deactivatable:
    """For rows that attendance evidence points at (contacts, meetings): never deleted, only
    deactivated, through one method, so every path records the change the same way."""

    def set_active(self, active: bool) -> None:
        self.is_active = active
        self.save(update_fields=["is_active", "updated_at"])
