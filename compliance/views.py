"""Staff sign-in and the dashboard."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from compliance.dashboard import overview
from compliance.decorators import staff_view


class StaffAuthenticationForm(AuthenticationForm):
    """Only staff may sign in here; everyone else gets the same message as a wrong password,
    so the form says nothing about which accounts exist."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(
                self.error_messages["invalid_login"], code="invalid_login", params={"username": "username"}
            )


class StaffLoginView(auth_views.LoginView):
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True


@staff_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every staff member lands here; each section shows only what their permissions allow."""
    user = request.user
    context = {
        "section": "dashboard",
        "overview": overview(
            meetings=user.has_perm("meetings.view_meeting"),
            sessions=user.has_perm("attendance.view_session"),
            contacts=user.has_perm("contacts.view_contact"),
        ),
    }
    return render(request, "compliance/dashboard.html", context)
