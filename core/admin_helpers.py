"""Pieces shared by the apps' admins: links between records, and deactivation instead of deletion."""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from core.timezones import LocalSplitDateTimeField, aware_from_local


def change_link(obj: models.Model | None, label: str | None = None) -> SafeString | None:
    """A link to `obj`'s admin change page, labelled with `label` or str(obj); None for no object.

    Builds the URL from the object alone, so it costs no query when the object is already loaded.
    """
    if obj is None:
        return None
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, str(obj) if label is None else label)


def changelist_link(model: str, label: str, **filters: object) -> SafeString:
    """A link to the admin changelist of `model` ("app_label.modelname", e.g. "attendance.session")
    narrowed by the given lookups, e.g. contact__id__exact=pk. By name, so that one domain's admin
    links to another's without importing its models."""
    app_label, model_name = model.lower().split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


def _set_active(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet, active: bool) -> None:
    model = modeladmin.model
    with transaction.atomic():
        # Only rows whose state changes are updated and logged, so the history stays truthful.
        changing = list(queryset.filter(is_active=not active).select_for_update())
        if changing:
            # Each row through its own set_active(), the one way a row is (de)activated: its
            # history is kept and whatever deactivation ends (a contact's credentials) ends.
            for obj in changing:
                obj.set_active(active)
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=changing,
                action_flag=CHANGE,
                change_message=[{"changed": {"fields": [str(model._meta.get_field("is_active").verbose_name)]}}],
            )
    verb = "Reactivated" if active else "Deactivated"
    unchanged = queryset.count() - len(changing)
    message = f"{verb} {len(changing)} {model_ngettext(model._meta, len(changing))}."
    if unchanged:
        message += f" {unchanged} already {'active' if active else 'inactive'}, left as is."
    modeladmin.message_user(request, message, messages.SUCCESS)


@admin.action(description="Deactivate selected %(verbose_name_plural)s", permissions=["change"])
def deactivate_selected(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet) -> None:
    _set_active(modeladmin, request, queryset, active=False)


@admin.action(description="Reactivate selected %(verbose_name_plural)s", permissions=["change"])
def reactivate_selected(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet) -> None:
    _set_active(modeladmin, request, queryset, active=True)


class DeactivateInsteadOfDeleteMixin:
    """For models with `is_active` that sessions point at: deactivate them, never delete them.

    Deleting a contact or meeting would orphan the attendance evidence recorded against it.
    Without delete permission the admin offers no delete button, no delete view (403) and no
    "delete selected" action.
    """

    actions = (deactivate_selected, reactivate_selected)

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class ReadOnlyAdminMixin:
    """View permission only: no add, change or delete, whoever asks."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LocalTimesAdminMixin:
    """For a ModelAdmin with date-times: the date and time typed in its forms, and the times in
    its list's URL lookups (`?start_time__gte=2026-03-08 02:30`, allowed on the date hierarchy's
    field), are the site's local time, refused when a clock change skips or repeats them, as
    everywhere else (core/timezones.py)."""

    formfield_overrides = {models.DateTimeField: {"form_class": LocalSplitDateTimeField}}

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Django would read such a lookup as some other instant, silently; the list is shown
        # without it instead, saying why.
        refused = self.refused_time_lookups(request)
        if not refused:
            return super().changelist_view(request, extra_context)
        query = request.GET.copy()
        for lookup, message in refused.items():
            del query[lookup]
            messages.error(request, f"{lookup}: {message}")
        return redirect(f"{request.path}?{query.urlencode()}")

    def refused_time_lookups(self, request: HttpRequest) -> dict[str, str]:
        """The query's lookups on a date-time field whose local time does not exist or is
        ambiguous, each with the reason."""
        refused = {}
        for lookup, value in request.GET.items():
            try:
                field = self.model._meta.get_field(lookup.split(LOOKUP_SEP, 1)[0])
                parsed = parse_datetime(value.strip())
            except (FieldDoesNotExist, ValueError):
                continue  # not a time: Django's own handling
            if isinstance(field, models.DateTimeField) and parsed is not None:
                try:
                    aware_from_local(parsed)
                except ValidationError as error:
                    refused[lookup] = error.messages[0]
        return refused
