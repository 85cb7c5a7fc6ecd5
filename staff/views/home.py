"""Staff sign-in, the dashboard, and the site's icon."""

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from access import limits
from core.decorators import staff_view
from staff.caseloads import caseload_for
from staff.dashboard import overview


class StaffAuthenticationForm(AuthenticationForm):
    """Only staff may sign in here; everyone else gets the same message as a wrong password,
    so the form says nothing about which accounts exist."""

    def confirm_login_allowed(self, user: AbstractBaseUser) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(
                self.error_messages["invalid_login"], code="invalid_login", params={"username": "username"}
            )


class StaffLoginView(auth_views.LoginView):
    """Staff sign-in, limited like every sign-in (access.limits): five failures per username
    or per address in 15 minutes, then 429 with Retry-After."""

    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = limits.STAFF.retry_after(request, request.POST.get("username", ""))
        if wait is not None:
            response = render(request, "registration/too_many_attempts.html", {"minutes": -(-wait // 60)}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        limits.STAFF.failed(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        limits.STAFF.succeeded(self.request, self.request.POST.get("username", ""))
        return super().form_valid(form)


@staff_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every staff member lands here; each section shows only what their permissions allow."""
    user = request.user
    shows_sessions, shows_contacts = user.has_perm("attendance.view_session"), user.has_perm("contacts.view_contact")
    shows_mandates = user.has_perm("mandates.view_mandate")
    # Only those who see contacts, their sessions or mandates have a caseload to switch: no
    # query otherwise.
    caseload = caseload_for(request) if shows_sessions or shows_contacts or shows_mandates else None
    context = {
        "section": "dashboard",
        "caseload": caseload,
        "overview": overview(
            meetings=user.has_perm("meetings.view_meeting"),
            sessions=shows_sessions,
            contacts=shows_contacts,
            mandates=shows_mandates,
            case_manager_id=caseload.user_id if caseload and caseload.mine else None,
        ),
    }
    return render(request, "staff/dashboard.html", context)


@require_safe
@cache_control(max_age=24 * 3600, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links (the API's JSON, a PDF, an old
    bookmark): send them to the static icon the pages link. Not permanent, because the static
    file's name changes with its content in production."""
    return redirect(static("favicon.ico"))
