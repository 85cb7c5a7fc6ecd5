"""Staff pages for contacts (attendees)."""

from django.contrib import messages
from django.core.paginator import Page
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from attendance.models import RefusedAttempt, Session
from attendance.outcomes import Outcome
from attendance.queries import with_attendance
from attendance.services import AttendanceError, start_session
from contacts.models import ConsentChange, Contact
from contacts.setup_links import LINK_LIFETIME, make_set_password_link
from core.decorators import staff_view
from core.history import changes_for
from core.pagination import CappedPaginator
from core.qr import render_qr_svg
from core.races import save_form
from mandates.queries import with_status
from staff.caseloads import caseload_for
from staff.forms.contacts import (
    ContactFilterForm,
    ContactForm,
    DestinationSessionForm,
    GrantConsentForm,
    WithdrawConsentForm,
)
from staff.views import activation
from staff.views.mandates import with_current

# Opening a session at a destination records attendance for the attendee, as ending one does
# (staff.views.attendance.session_end): the same permission, and those to see the result.
OPEN_AT_DESTINATION = ("contacts.view_contact", "attendance.view_session", "attendance.change_session")
PAGE_SIZE = 50
# A search matching more is not a search: staff are asked to type more of it.
MAX_SEARCH_RESULTS = 500
LATEST_SESSIONS = 20


def _with_session_summary(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    # Correlated subqueries rather than a JOIN and GROUP BY: the database computes them for the
    # page's 50 rows only (ix_sessions_contact_id), not for every contact before paginating.
    sessions = Session.objects.filter(contact=OuterRef("pk"))
    counted = sessions.order_by().values("contact").annotate(n=Count("pk")).values("n")
    return contacts.annotate(
        session_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
        last_session_at=Subquery(sessions.order_by("-created_at").values("created_at")[:1]),
    )


def _page_of(contacts: QuerySet[Contact], number: str | None, *, search: bool) -> tuple[Page, bool]:
    """The page of `contacts` asked for, and whether a search matched too many to show."""
    too_many = False
    if search:
        # A search reads the whole table (no index serves "contains"): read it once for the
        # matching ids, in order, rather than once to count and again for the page.
        ids = list(contacts.values_list("pk", flat=True)[: MAX_SEARCH_RESULTS + 1])
        too_many = len(ids) > MAX_SEARCH_RESULTS
        ids = ids[:MAX_SEARCH_RESULTS]
    else:
        ids = contacts.values_list("pk", flat=True)
    page = CappedPaginator(ids, PAGE_SIZE).get_page(number)
    # Then the page's rows by id, so that session summaries are computed for these rows only,
    # not for every row skipped on the way to page 150.
    rows = _with_session_summary(
        Contact.objects.filter(pk__in=list(page.object_list)).select_related("case_manager")
    ).in_bulk()
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]  # unless deleted meanwhile
    return page, too_many


@staff_view("contacts.view_contact")
def contact_list(request: HttpRequest) -> HttpResponse:
    filters = ContactFilterForm(request.GET)
    caseload = caseload_for(request)
    contacts = filters.filter(Contact.objects.all())
    if caseload.mine:
        contacts = contacts.filter(case_manager=caseload.user_id)
    page, too_many = _page_of(contacts, request.GET.get("page"), search=bool(filters.search))
    context = {
        "section": "contacts",
        "filters": filters,
        "caseload": caseload,
        "page_obj": page,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "too_many": too_many,
        "max_search_results": MAX_SEARCH_RESULTS,
    }
    return render(request, "contacts/list.html", context)


def attendance_totals(contact: Contact) -> dict[str, int]:
    """The contact's sessions: all, and by their stored outcome (attendance.outcomes), in one
    query whatever the numbers. "Attended" only for sessions judged `attended`: a session with a
    check-in at the place that arrived late or left early is partly attended, never "verified"."""
    return Session.objects.filter(contact=contact).aggregate(
        sessions=Count("pk"),
        attended=Count("pk", filter=Q(outcome=Outcome.ATTENDED)),
        partial=Count("pk", filter=Q(outcome=Outcome.PARTIAL)),
        not_verified=Count("pk", filter=Q(outcome=Outcome.NOT_VERIFIED)),
        open=Count("pk", filter=Q(outcome=Outcome.OPEN)),
    )


# How many of a contact's refused attempts the contact page lists, newest first.
LATEST_REFUSED = 20


@staff_view("contacts.view_contact")
def contact_detail(request: HttpRequest, pk: str) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("case_manager"), pk=pk)
    context = {
        "section": "contacts",
        "contact": contact,
        "consent_changes": contact.consent_changes.select_related("recorded_by"),
        "changes": changes_for(contact),
        "may_open_session": request.user.has_perms(OPEN_AT_DESTINATION),
    }
    # Each mandate with where it stands now, in two queries whatever their number.
    if request.user.has_perm("mandates.view_mandate"):
        now = timezone.now()
        mandates = with_status(
            contact.mandates.select_related("jurisdiction").order_by("-starts_on", "case_number"), now
        )
        context["mandates"] = with_current(mandates, now)
    # Attendance is shown to those who may read sessions: a contacts-only role sees none of it.
    if request.user.has_perm("attendance.view_session"):
        sessions = with_attendance(contact.sessions.select_related("meeting"))
        context["sessions"] = sessions.order_by("-created_at")[:LATEST_SESSIONS]
        context["totals"] = attendance_totals(contact)
        # Every refused attempt, those that opened no session too (a check-in before the
        # window): evidence that the attendee was somewhere and tried (ix_refused_attempts_contact).
        attempts = RefusedAttempt.objects.filter(contact=contact).select_related("meeting", "session")
        context["refused_attempts"] = attempts.order_by("-ts_server", "-id")[:LATEST_REFUSED]
    return render(request, "contacts/detail.html", context)


@staff_view("contacts.add_contact")
def add_contact(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        contact = save_form(form)
        if contact is not None:
            messages.success(request, f"Contact {contact} added.")
            return redirect("contacts:detail", contact.pk)
    return render(request, "contacts/form.html", {"section": "contacts", "form": form})


@staff_view("contacts.change_contact")
def edit_contact(request: HttpRequest, pk: str) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    form = ContactForm(request.POST if request.method == "POST" else None, instance=contact)
    if request.method == "POST" and form.is_valid() and save_form(form) is not None:
        messages.success(request, f"Changes to {contact} saved.")
        return redirect("contacts:detail", contact.pk)
    return render(request, "contacts/form.html", {"section": "contacts", "form": form, "contact": contact})


@staff_view("contacts.change_contact")
def deactivate_contact(request: HttpRequest, pk: str) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    return activation.deactivate(
        request,
        contact,
        detail="contacts:detail",
        template="contacts/deactivate.html",
        context={"section": "contacts", "contact": contact},
        done=f"{contact} deactivated: they can no longer sign in or check in.",
    )


@require_POST
@staff_view("contacts.change_contact")
def reactivate_contact(request: HttpRequest, pk: str) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    return activation.reactivate(request, contact, detail="contacts:detail", done=f"{contact} reactivated.")


def _consent_page(request: HttpRequest, pk: str, *, granted: bool) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    form = (GrantConsentForm if granted else WithdrawConsentForm)(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        contact.record_consent(
            granted, source=ConsentChange.Source.STAFF, recorded_by=request.user, note=form.cleaned_data["note"]
        )
        done = "Consent given on paper recorded" if granted else "Consent withdrawn"
        messages.success(request, f"{done} for {contact}.")
        return redirect("contacts:detail", contact.pk)
    return render(
        request, "contacts/consent.html", {"section": "contacts", "contact": contact, "form": form, "granted": granted}
    )


@staff_view("contacts.change_contact")
def grant_consent(request: HttpRequest, pk: str) -> HttpResponse:
    return _consent_page(request, pk, granted=True)


@staff_view("contacts.change_contact")
def withdraw_consent(request: HttpRequest, pk: str) -> HttpResponse:
    return _consent_page(request, pk, granted=False)


@never_cache  # the page holds a working link: no copy of it in any cache
@require_POST
@staff_view("contacts.change_contact")
def create_set_password_link(request: HttpRequest, pk: str) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    if not contact.is_active:
        messages.error(request, f"{contact} is deactivated: reactivate them before creating a set-password link.")
        return redirect("contacts:detail", contact.pk)
    link = make_set_password_link(contact, request)
    # Shown once, in this response; never stored, so a lost link is replaced by a new one.
    messages.success(request, f"Set-password link created for {contact}.")
    context = {
        "section": "contacts",
        "contact": contact,
        "link": link,
        "qr_svg": render_qr_svg(link.url),
        "lifetime_hours": int(LINK_LIFETIME.total_seconds() // 3600),
    }
    return render(request, "contacts/set_password_link.html", context)


@require_http_methods(["GET", "POST"])
@staff_view(*OPEN_AT_DESTINATION)
def open_destination_session(request: HttpRequest, pk: str) -> HttpResponse:
    """Open a session for the contact at a place staff approve (attendance.services.start_session
    with `approved_by`); attendees cannot choose a destination themselves."""
    contact = get_object_or_404(Contact, pk=pk)
    form = DestinationSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = start_session(contact, destination=form.destination(), approved_by=request.user)
        except AttendanceError as error:
            field = error.context.get("field")
            form.add_error(field if field in form.fields else None, error.detail)
        else:
            messages.success(
                request,
                f"Session opened for {contact} at {session.dest_name}: their check-in there is judged against "
                f"a radius of {session.radius_m:g} m.",
            )
            return redirect("attendance:session", session_id=session.id)
    return render(request, "contacts/open_session.html", {"section": "contacts", "contact": contact, "form": form})
