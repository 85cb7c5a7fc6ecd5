"""Staff pages for mandates (README: "Mandates and compliance"): the list, a mandate's page with
its periods and the sessions that did and did not count, and creating, changing, ending early
and deleting one, all through mandates.services (the only writers)."""

import datetime as dt
from collections.abc import Iterable

from django.contrib import messages
from django.core.paginator import Page
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from attendance.models import Session
from attendance.outcomes import Outcome
from contacts.models import Contact
from core.decorators import staff_view
from core.history import changes_for
from core.pagination import CappedPaginator
from mandates import services
from mandates.counting import qualifying
from mandates.models import Mandate, Period
from mandates.progress import period_name
from mandates.queries import PeriodView, compliance_of, current_periods, with_status
from mandates.services import MandateError
from staff.caseloads import caseload_for
from staff.forms.mandates import EndEarlyForm, MandateFilterForm, MandateForm

VIEW, ADD, CHANGE, DELETE = (
    "mandates.view_mandate",
    "mandates.add_mandate",
    "mandates.change_mandate",
    "mandates.delete_mandate",
)
PAGE_SIZE = 50


# How the running period is named in "2 of 3 this week, on track".
def current_words(mandate: Mandate, current: PeriodView | None, status: str | None = None) -> str:
    """The mandate now, in words: "2 of 3 this week, on track"; when no period runs, whether it
    has not started or is over."""
    if current is not None:
        return f"{current.attended} of {current.required} {period_name(mandate)}, {current.status.label.lower()}"
    today = timezone.localdate(timezone.now(), mandate.zone)
    if today < mandate.starts_on:
        return f"Starts {mandate.starts_on:%-d %b %Y}"
    ended = "Ended early" if mandate.ended_on is not None else "Ended"
    return f"{ended} {mandate.last_day:%-d %b %Y}"


def with_current(mandates: Iterable[Mandate], now: dt.datetime) -> list[Mandate]:
    """`mandates` each with `current` (its running period, or None) and `current_words`, in one
    query (mandates.queries.current_periods)."""
    mandates = list(mandates)
    currents = current_periods(mandates, now)
    for mandate in mandates:
        mandate.current = currents.get(mandate.pk)
        mandate.current_words = current_words(mandate, mandate.current)
    return mandates


def _page_of(mandates: QuerySet[Mandate], number: str | None, now: dt.datetime) -> Page:
    """The page asked for: the ids first, then the page's rows with their status and current
    period, so that the statuses are computed for these rows only."""
    page = CappedPaginator(mandates.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
    rows = with_status(
        Mandate.objects.filter(pk__in=list(page.object_list)).select_related("contact__case_manager", "jurisdiction"),
        now,
    ).in_bulk()
    page.object_list = with_current([rows[pk] for pk in page.object_list if pk in rows], now)
    return page


@require_safe
@staff_view(VIEW)
def mandate_list(request: HttpRequest) -> HttpResponse:
    filters = MandateFilterForm(request.GET)
    # A link from a contact's page lists theirs whoever manages them.
    caseload = caseload_for(request, default_mine=not request.GET.get("contact"))
    now = timezone.now()
    mandates = filters.filter(Mandate.objects.all(), now, timezone.localdate(now))
    if caseload.mine:
        mandates = mandates.filter(contact__case_manager=caseload.user_id)
    page = _page_of(mandates.order_by("-starts_on", "case_number", "pk"), request.GET.get("page"), now)
    contact = None
    if filters.is_valid() and filters.cleaned_data.get("contact"):
        contact = Contact.objects.filter(pk=filters.cleaned_data["contact"]).first()
    context = {
        "section": "mandates",
        "filters": filters,
        "caseload": caseload,
        "page_obj": page,
        "contact": contact,
        "filtered": any(request.GET.get(name) for name in filters.fields),
    }
    return render(request, "mandates/list.html", context)


def qualifying_in_words(mandate: Mandate) -> str:
    """Which meetings count: "Any meeting", "Alcoholics Anonymous or Narcotics Anonymous
    meetings", "Hope Group", or both."""
    kinds = [link.kind.label for link in mandate.kind_links.all()]
    meetings = [link.meeting.name for link in mandate.meeting_links.all()]
    parts = []
    if kinds:
        parts.append(f"{' or '.join(kinds)} meetings")
    if meetings:
        parts.append(", ".join(meetings))
    return "; or ".join(parts) if parts else "Any meeting"


def why_not_counted(sessions: list[Session], mandate: Mandate) -> list[tuple[Session, str]]:
    """Each session of the contact in the mandate's dates that did not count, with why: its
    outcome, where it was, or that it fell outside the dates. One query."""
    ids = [session.pk for session in sessions if session.outcome == Outcome.ATTENDED and session.meeting_id]
    qualifies = (
        set(Session.objects.filter(qualifying(mandate), pk__in=ids).values_list("pk", flat=True)) if ids else set()
    )
    reasons = []
    for session in sessions:
        if session.outcome != Outcome.ATTENDED:
            why = f"Not attended: {session.get_outcome_display().lower()}"
        elif session.meeting_id is None:
            why = "At an approved destination, not a meeting"
        elif session.pk not in qualifies:
            why = "Not a qualifying meeting"
        else:
            why = "Outside the mandate's dates"
        reasons.append((session, why))
    return reasons


def _get_mandate(pk: str) -> Mandate:
    queryset = Mandate.objects.select_related("contact__case_manager", "jurisdiction", "ended_by", "created_by")
    return get_object_or_404(queryset.prefetch_related("kind_links__kind", "meeting_links__meeting"), pk=pk)


@require_safe
@staff_view(VIEW)
def mandate_detail(request: HttpRequest, pk: str) -> HttpResponse:
    mandate = _get_mandate(pk)
    now = timezone.now()
    compliance = compliance_of(mandate, now)
    moments = {session.pk: session.moment for session in compliance.counted}
    periods = compliance.periods
    for period in [*periods, *([compliance.current] if compliance.current else [])]:
        # Each counted session as its day where the mandate keeps its dates: "Tue 2".
        period.sessions = [(pk, f"{moments[pk].astimezone(mandate.zone):%a %-d}") for pk in period.session_ids]
    context = {
        "section": "mandates",
        "mandate": mandate,
        "compliance": compliance,
        "periods": periods,
        "rolling": mandate.period == Period.ROLLING,
        "current_words": current_words(mandate, compliance.current),
        "qualifying": qualifying_in_words(mandate),
        "counted": [(session, moments[session.pk]) for session in compliance.counted],
        "not_counted": why_not_counted(compliance.not_counted, mandate),
        "may_delete": request.user.has_perm(DELETE) and services.deletable(mandate, now),
        "changes": changes_for(mandate),
    }
    return render(request, "mandates/detail.html", context)


def _refused(form: Form, error: MandateError) -> None:
    """Show the service's refusal on the field it names (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.detail)


@require_http_methods(["GET", "POST"])
@staff_view(VIEW, ADD)
def mandate_create(request: HttpRequest) -> HttpResponse:
    contact_id = request.GET.get("contact", "")
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
    if contact is None:
        context = {"section": "mandates", "problem": "contact"}
        return render(request, "mandates/no_contact.html", context, status=400)
    form = MandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.create(contact, form.terms(), by=request.user)
        except MandateError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Mandate {mandate.case_number} added for {contact}.")
            return redirect("mandates:detail", pk=mandate.pk)
    return render(request, "mandates/form.html", {"section": "mandates", "form": form, "contact": contact})


@require_http_methods(["GET", "POST"])
@staff_view(VIEW, CHANGE)
def mandate_edit(request: HttpRequest, pk: str) -> HttpResponse:
    mandate = _get_mandate(pk)
    form = MandateForm(request.POST or None, mandate=mandate)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect("mandates:detail", pk=mandate.pk)
        try:
            services.change(mandate, form.terms(), by=request.user)
        except MandateError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Changes to mandate {mandate.case_number} saved; its periods were recounted.")
            return redirect("mandates:detail", pk=mandate.pk)
    context = {"section": "mandates", "form": form, "contact": mandate.contact, "mandate": mandate}
    return render(request, "mandates/form.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(VIEW, CHANGE)
def mandate_end(request: HttpRequest, pk: str) -> HttpResponse:
    mandate = _get_mandate(pk)
    form = EndEarlyForm(request.POST or None, initial={"ended_on": timezone.localdate(timezone.now(), mandate.zone)})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_early(
                mandate, last_day=form.cleaned_data["ended_on"], reason=form.cleaned_data["reason"], by=request.user
            )
        except MandateError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Mandate {mandate.case_number} ended early.")
            return redirect("mandates:detail", pk=mandate.pk)
    return render(request, "mandates/end.html", {"section": "mandates", "form": form, "mandate": mandate})


@require_http_methods(["GET", "POST"])
@staff_view(VIEW, DELETE)
def mandate_delete(request: HttpRequest, pk: str) -> HttpResponse:
    """Deleting is for a mandate entered by mistake: refused once a period has passed or a
    court report was issued (the page then offers ending it early)."""
    mandate = _get_mandate(pk)
    passed = not services.deletable(mandate, timezone.now())
    if request.method == "POST" and not passed:
        try:
            services.delete(mandate, by=request.user)
        except MandateError:
            passed = True  # a period ended, or a report was issued, between the page and the click
        else:
            messages.success(request, f"Mandate {mandate.case_number} deleted.")
            return redirect("contacts:detail", pk=mandate.contact_id)
    context = {"section": "mandates", "mandate": mandate, "passed": passed}
    return render(request, "mandates/delete.html", context, status=409 if passed and request.method == "POST" else 200)
