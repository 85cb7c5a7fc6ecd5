"""Deactivating and reactivating a contact or a meeting: one behaviour for both.

Rows that attendance evidence points at are never deleted (core.db.Deactivatable). GET asks to
confirm, POST changes; asking for the state a row is already in changes nothing and says so.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.db import Deactivatable


def deactivate(
    request: HttpRequest, row: Deactivatable, *, detail: str, template: str, context: dict, done: str
) -> HttpResponse:
    """The confirmation page (`template` with `context`), or, on POST, deactivate `row` and go
    back to its page (URL name `detail`) with the message `done`."""
    if not row.is_active:
        messages.info(request, f"{row} is already inactive.")
        return redirect(detail, row.pk)
    if request.method == "POST":
        row.set_active(False)
        messages.success(request, done)
        return redirect(detail, row.pk)
    return render(request, template, context)


def reactivate(request: HttpRequest, row: Deactivatable, *, detail: str, done: str) -> HttpResponse:
    """Reactivate `row` (a POST) and go back to its page (URL name `detail`)."""
    if row.is_active:
        messages.info(request, f"{row} is already active.")
    else:
        row.set_active(True)
        messages.success(request, done)
    return redirect(detail, row.pk)
