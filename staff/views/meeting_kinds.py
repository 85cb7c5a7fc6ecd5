"""Staff pages for the kinds of meeting (Meetings > Kinds): list, add, change, deactivate.

Kinds are never deleted: court orders and meetings name them. A deactivated kind is no longer
offered for meetings, and stays on those that have it."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.decorators import staff_view
from core.history import changes_for
from core.races import save_form
from meetings.models import MeetingKind
from staff.forms.meetings import MeetingKindForm
from staff.views import activation


@staff_view("meetings.view_meetingkind")
def kind_list(request: HttpRequest) -> HttpResponse:
    kinds = MeetingKind.objects.annotate(meeting_count=Count("assignments")).order_by("-is_active", "label", "slug")
    return render(request, "meetings/kinds/list.html", {"section": "meetings", "kinds": kinds})


@staff_view("meetings.view_meetingkind")
def kind_detail(request: HttpRequest, pk: str) -> HttpResponse:
    kind = get_object_or_404(MeetingKind.objects.annotate(meeting_count=Count("assignments")), pk=pk)
    context = {"section": "meetings", "kind": kind, "changes": changes_for(kind)}
    return render(request, "meetings/kinds/detail.html", context)


@staff_view("meetings.add_meetingkind")
def kind_create(request: HttpRequest) -> HttpResponse:
    form = MeetingKindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind = save_form(form)
        if kind is not None:
            messages.success(request, f"Kind “{kind}” added: meetings can be given it now.")
            return redirect("meetings:kind_detail", pk=kind.pk)
    return render(request, "meetings/kinds/form.html", {"section": "meetings", "form": form, "kind": None})


@staff_view("meetings.change_meetingkind")
def kind_edit(request: HttpRequest, pk: str) -> HttpResponse:
    kind = get_object_or_404(MeetingKind, pk=pk)
    form = MeetingKindForm(request.POST or None, instance=kind)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect("meetings:kind_detail", pk=kind.pk)
        if save_form(form) is not None:
            messages.success(request, f"Changes to “{kind}” saved.")
            return redirect("meetings:kind_detail", pk=kind.pk)
    return render(request, "meetings/kinds/form.html", {"section": "meetings", "form": form, "kind": kind})


@staff_view("meetings.change_meetingkind")
def kind_deactivate(request: HttpRequest, pk: str) -> HttpResponse:
    """GET asks for confirmation; POST deactivates. Meetings of this kind keep it."""
    kind = get_object_or_404(MeetingKind, pk=pk)
    return activation.deactivate(
        request,
        kind,
        detail="meetings:kind_detail",
        template="meetings/kinds/confirm_deactivate.html",
        context={"section": "meetings", "kind": kind},
        done=f"“{kind}” deactivated: it is no longer offered for meetings; those that have it keep it.",
    )


@require_POST
@staff_view("meetings.change_meetingkind")
def kind_reactivate(request: HttpRequest, pk: str) -> HttpResponse:
    kind = get_object_or_404(MeetingKind, pk=pk)
    return activation.reactivate(
        request, kind, detail="meetings:kind_detail", done=f"“{kind}” is active again: meetings can be given it."
    )
