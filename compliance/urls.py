from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from compliance import health, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health/", health.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("meetings/", include("meetings.urls")),
    path("contacts/", include("contacts.urls")),
    path("attendance/", include("attendance.urls")),
    # Attendees (phones): /q/<qr_code> and the check-in pages.
    path("", include("attendance.attendee_urls")),
    # The admin's own sign-in form would be a fourth way in, without the sign-in limit
    # (access.limits): staff sign in at one place, which sends them back to the admin.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("compliance.api_urls", "api"), namespace="api")),
]

# Pages for people, JSON under /api/ (compliance/errors.py).
handler400 = "compliance.errors.bad_request"
handler403 = "compliance.errors.permission_denied"
handler404 = "compliance.errors.page_not_found"
handler500 = "compliance.errors.server_error"
