"""Meetings over the API: attendees find them (nearby, by QR code); staff manage them."""

from rest_framework import viewsets

from access.permissions import IsAttendeeOrStaff
from meetings.models import Meeting


class MeetingViewSet(viewsets.GenericViewSet):
    """To be completed: nearby and QR look-ups for attendees; management for staff."""

    permission_classes = [IsAttendeeOrStaff]
    queryset = Meeting.objects.none()
