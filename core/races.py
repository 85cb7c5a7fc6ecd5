"""Writes guarded by a unique constraint answer what their serial twin would.

Validation looks for a clash (an email, a QR code already taken) with a query, and the row is
written after it. Two requests carrying the same value can both pass the check; the database's
unique index then refuses the second with an IntegrityError, which would reach the caller as a
500. Had the second request arrived after the first had committed, validation would have
refused it with a 400 naming the field. So the write runs in its own savepoint and, when the
index refuses it, is rolled back and run again from validation: that run sees the committed
row and gives the serial answer, whatever the interleaving.

The unique indexes stay the guarantee; this only chooses the answer. An IntegrityError that
validation cannot explain (the same failure on every attempt) is re-raised: it is a fault.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

# A third request can take the value between the first retry's check and its write; more
# attempts than that only repeat a fault.
MAX_ATTEMPTS = 3


def as_if_serial(write: Callable[[], T], revalidate: Callable[[], bool]) -> T | None:
    """Run `write()` in a savepoint; when a unique index refuses it, call `revalidate()` and
    try again. `revalidate` checks the input against the committed rows and returns False when
    it is now invalid (its errors are where the caller reads them: a form's errors, or raised);
    then None is returned. IntegrityError after MAX_ATTEMPTS."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return write()
        except IntegrityError:
            if attempt == MAX_ATTEMPTS:
                raise
            if not revalidate():
                return None
    raise AssertionError("unreachable")  # pragma: no cover


class SerialSaveSerializerMixin:
    """For a DRF ModelSerializer: `save()` answers a lost race with the validation error the
    serial request would get (400 naming the field), never a 500."""

    def save(self, **kwargs: Any) -> models.Model:
        return as_if_serial(lambda: super(SerialSaveSerializerMixin, self).save(**kwargs), self._revalidate)

    def _revalidate(self) -> bool:
        # The failed write may have changed the loaded instance; validate against the row as
        # committed, from the request's own data, as a fresh request would.
        if self.instance is not None and not self.instance._state.adding:
            self.instance.refresh_from_db()
        for cached in ("_validated_data", "_errors", "_data"):
            self.__dict__.pop(cached, None)
        self.is_valid(raise_exception=True)  # a serializers.ValidationError: the serial 400
        return True


def save_form(form: forms.ModelForm) -> models.Model | None:
    """`form.save()` for a valid ModelForm; when a concurrent request took one of its unique
    values first, None, with the form's errors saying which field (as a serial submission
    would have been told)."""

    def revalidate() -> bool:
        if not form.instance._state.adding:
            form.instance.refresh_from_db()
        form._errors = None  # Django's forms validate again on the next look at `errors`
        return form.is_valid()

    return as_if_serial(form.save, revalidate)


class SerialSaveAdminMixin:
    """For a ModelAdmin: a change or add form that loses a race on a unique value is shown
    again with the field's error, as it would be had it been submitted a moment later. The
    admin saves inside its own transaction, so the whole submission is simply run again."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        parent = super()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return parent.changeform_view(request, object_id, form_url, extra_context)
            except IntegrityError:
                if attempt == MAX_ATTEMPTS or request.method != "POST":
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
