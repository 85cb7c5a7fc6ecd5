"""Caseloads: the staff member a contact is assigned to, and who may be assigned.

A case manager is an active staff user. The assignment is a column on the contact
(`Contact.case_manager`), so its changes are in the contact's audit trail with who made them.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

NOT_A_CASE_MANAGER = "Choose an active staff member as the case manager."


def case_managers() -> QuerySet:
    """The users who may be assigned contacts: active staff, by name."""
    return (
        get_user_model().objects.filter(is_active=True, is_staff=True).order_by("first_name", "last_name", "username")
    )


def validate_case_manager(user_id: object) -> None:
    """ValidationError naming `case_manager` unless `user_id` is an active staff user's id."""
    if user_id is None or not case_managers().filter(pk=user_id).exists():
        raise ValidationError({"case_manager": NOT_A_CASE_MANAGER}, code="invalid_case_manager")


def case_manager_name(user: AbstractBaseUser | None) -> str:
    """How staff pages and the API name a case manager: full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def has_caseload(user: AbstractBaseUser) -> bool:
    """Whether at least one contact is assigned to `user` (one indexed query)."""
    from contacts.models import Contact

    return bool(user.pk) and Contact.objects.filter(case_manager=user.pk).exists()
