"""The site's URLs plus views that fail, for the 500 tests."""

from django.db import IntegrityError
from django.urls import path

from compliance.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def crash(request):
    raise RuntimeError("deliberate failure for the error page tests")


def break_a_constraint(request):
    raise IntegrityError("deliberate constraint failure for the error page tests")


urlpatterns = [
    *urlpatterns,
    path("crash/", crash),
    path("api/v1/crash/", crash),
    path("api/v1/integrity/", break_a_constraint),
]
