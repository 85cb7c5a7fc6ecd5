from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # Staff work in the admin until the staff pages exist.
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("compliance.api_urls", "api"), namespace="api")),
]
