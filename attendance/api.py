"""Sessions and their events over the API. Every rule is in attendance.services."""

from rest_framework import viewsets

from access.permissions import IsAttendeeOrStaff, StaffModelPermissions
from attendance.models import Session, SessionEvent


class SessionViewSet(viewsets.GenericViewSet):
    """To be completed: sessions, active session, and the event actions."""

    permission_classes = [IsAttendeeOrStaff]
    queryset = Session.objects.none()


class EventViewSet(viewsets.GenericViewSet):
    """To be completed: staff-only event list."""

    permission_classes = [StaffModelPermissions]
    queryset = SessionEvent.objects.none()
