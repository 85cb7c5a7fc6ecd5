"""Who may call what. Every API view names one of these; nothing is open by default."""

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.permissions import BasePermission, DjangoModelPermissions
from rest_framework.request import Request

from access.authentication import Attendee


def is_attendee(user: object) -> bool:
    return isinstance(user, Attendee)


def is_staff(user: object) -> bool:
    return isinstance(user, AbstractBaseUser) and user.is_active and user.is_staff


class IsAttendee(BasePermission):
    message = "This endpoint is for attendees, signed in with their own token."

    def has_permission(self, request: Request, view: object) -> bool:
        return is_attendee(request.user)


class StaffModelPermissions(DjangoModelPermissions):
    """Staff status, plus Django's model permission for the action (view for reads), so a
    read-only staff role is a group with view permissions only."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: object) -> bool:
        return is_staff(request.user) and super().has_permission(request, view)


class IsStaff(BasePermission):
    message = "This endpoint is for staff."

    def has_permission(self, request: Request, view: object) -> bool:
        return is_staff(request.user)


class IsAttendeeOrStaff(BasePermission):
    """Attendees (the view then limits them to their own data) or staff with model permissions."""

    def has_permission(self, request: Request, view: object) -> bool:
        return is_attendee(request.user) or StaffModelPermissions().has_permission(request, view)
