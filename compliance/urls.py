from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from operations import health
from staff.views import home as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health/", health.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Attendees (phones): /q/<qr_code>, the check-in pages, and the set-password page. First,
    # so that /contacts/set-password/... is never read as a staff contact page.
    path("", include("portal.urls")),
    path("meetings/", include("staff.urls.meetings")),
    path("contacts/", include("staff.urls.contacts")),
    path("attendance/", include("staff.urls.attendance")),
    path("policies/", include("staff.urls.policies")),
    path("mandates/", include("staff.urls.mandates")),
    # The admin's own sign-in form would be a fourth way in, without the sign-in limit
    # (access.limits): staff sign in at one place, which sends them back to the admin.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("api.urls", "api"), namespace="api")),
]

# Pages for people, JSON under /api/ (core/error_pages.py).
handler400 = "core.error_pages.bad_request"
handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
