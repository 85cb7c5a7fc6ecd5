"""/api/v1/: every app's API, the OpenAPI document and its interactive docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from api.access import TokenView
from api.attendance import EventViewSet, SessionViewSet
from api.contacts import ConsentView, ContactViewSet, MeView
from api.mandates import ContactComplianceView, MandateViewSet, MyMandatesView
from api.meetings import MeetingKindViewSet, MeetingViewSet
from api.policies import JurisdictionViewSet

router = SimpleRouter()
router.register("contacts", ContactViewSet, basename="contact")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("meeting-kinds", MeetingKindViewSet, basename="meeting-kind")
router.register("sessions", SessionViewSet, basename="session")
router.register("events", EventViewSet, basename="event")
router.register("jurisdictions", JurisdictionViewSet, basename="jurisdiction")
router.register("mandates", MandateViewSet, basename="mandate")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("me/consent/", ConsentView.as_view(), name="me-consent"),
    path("me/mandates/", MyMandatesView.as_view(), name="me-mandates"),
    path("contacts/<uuid:pk>/compliance/", ContactComplianceView.as_view(), name="contact-compliance"),
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file (?script): no inline script, which
        # the Content-Security-Policy would refuse.
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
]
