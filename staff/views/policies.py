"""Staff pages for attendance policies: jurisdictions, each with its versions of the rules, and
publishing a new version (policies.services.publish, the only writer of versions)."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from core.decorators import staff_view
from core.history import changes_for
from core.races import save_form
from policies.models import RULES, Jurisdiction, PolicyVersion, rule_in_words
from policies.services import PolicyError, publish
from staff.forms.policies import JurisdictionForm, PublishVersionForm

VIEW, ADD, CHANGE, PUBLISH = (
    "policies.view_jurisdiction",
    "policies.add_jurisdiction",
    "policies.change_jurisdiction",
    "policies.add_policyversion",
)


@dataclass(frozen=True)
class RuleRow:
    """One rule of a version as a person reads it: its name, its value in words, its meaning."""

    name: str
    label: str
    value: str
    meaning: str


def rule_rows(version: PolicyVersion) -> list[RuleRow]:
    rows = []
    for name, meaning in RULES:
        label = str(PolicyVersion._meta.get_field(name).verbose_name)
        rows.append(RuleRow(name, label[:1].upper() + label[1:], rule_in_words(getattr(version, name)), meaning))
    return rows


def with_version_in_force(jurisdictions: QuerySet[Jurisdiction], at: dt.datetime) -> QuerySet[Jurisdiction]:
    """`jurisdictions` annotated with the number and start of the version in force at `at`
    (None when there is none yet), and how many versions each has, in the same query."""
    in_force = PolicyVersion.objects.filter(jurisdiction=OuterRef("pk"), effective_from__lte=at).order_by(
        "-effective_from"
    )
    return jurisdictions.annotate(
        in_force_id=Subquery(in_force.values("id")[:1]),
        in_force_number=Subquery(in_force.values("number")[:1]),
        in_force_from=Subquery(in_force.values("effective_from")[:1]),
        version_count=Count("versions"),
    )


@require_safe
@staff_view(VIEW)
def jurisdiction_list(request: HttpRequest) -> HttpResponse:
    jurisdictions = with_version_in_force(Jurisdiction.objects.all(), timezone.now()).order_by("name", "id")
    return render(request, "staff/policies/list.html", {"section": "policies", "jurisdictions": jurisdictions})


@require_safe
@staff_view(VIEW)
def jurisdiction_detail(request: HttpRequest, pk: str) -> HttpResponse:
    jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
    now = timezone.now()
    versions = list(jurisdiction.versions.select_related("published_by").order_by("-effective_from"))
    in_force = next((version for version in versions if version.effective_from <= now), None)
    for version in versions:
        version.rule_rows = rule_rows(version)
        version.is_in_force = version is in_force
        version.is_upcoming = version.effective_from > now
    context = {
        "section": "policies",
        "jurisdiction": jurisdiction,
        "versions": versions,
        "in_force": in_force,
        "meeting_count": jurisdiction.meetings.count(),
        "changes": changes_for(jurisdiction),
    }
    return render(request, "staff/policies/detail.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(VIEW, ADD)
def jurisdiction_create(request: HttpRequest) -> HttpResponse:
    form = JurisdictionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        jurisdiction = save_form(form)
        if jurisdiction is not None:
            messages.success(
                request,
                f"“{jurisdiction}” added. Publish its first version of the rules: until then, "
                "its meetings cannot take check-ins.",
            )
            return redirect("policies:detail", pk=jurisdiction.pk)
    return render(request, "staff/policies/form.html", {"section": "policies", "form": form, "jurisdiction": None})


@require_http_methods(["GET", "POST"])
@staff_view(VIEW, CHANGE)
def jurisdiction_edit(request: HttpRequest, pk: str) -> HttpResponse:
    jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
    form = JurisdictionForm(request.POST or None, instance=jurisdiction)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect("policies:detail", pk=jurisdiction.pk)
        if save_form(form) is not None:
            messages.success(request, f"Changes to “{jurisdiction}” saved.")
            return redirect("policies:detail", pk=jurisdiction.pk)
    context = {"section": "policies", "form": form, "jurisdiction": jurisdiction}
    return render(request, "staff/policies/form.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(VIEW, PUBLISH)
def publish_version(request: HttpRequest, pk: str) -> HttpResponse:
    """The form, prefilled with the latest version's rules; publishing calls the service and
    shows its refusal on the field it names."""
    jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
    latest = jurisdiction.versions.order_by("-effective_from").first()
    form = PublishVersionForm(request.POST or None, latest=latest)
    if request.method == "POST" and form.is_valid():
        try:
            version = publish(
                jurisdiction,
                form.rules(),
                effective_from=form.cleaned_data["effective_from"],
                notes=form.cleaned_data["notes"],
                published_by=request.user,
            )
        except PolicyError as error:
            field = error.context.get("field")
            form.add_error(field if field in form.fields else None, error.detail)
        else:
            messages.success(request, f"Version {version.number} of “{jurisdiction}” published.")
            return redirect("policies:detail", pk=jurisdiction.pk)
    context = {"section": "policies", "form": form, "jurisdiction": jurisdiction, "latest": latest}
    return render(request, "staff/policies/publish.html", context)
