"""Staff roles as Django groups: add a staff member to one in the admin to give them its pages."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

# Group name: the permissions it holds, as "app_label.codename".
ROLES: dict[str, list[str]] = {
    "Case managers": [
        "meetings.view_meeting",
        "meetings.add_meeting",
        "meetings.change_meeting",
        "contacts.view_contact",
        "contacts.add_contact",
        "contacts.change_contact",
        "attendance.view_session",
        "attendance.change_session",
        "attendance.view_sessionevent",
    ],
    "Read-only reviewers": [
        "meetings.view_meeting",
        "contacts.view_contact",
        "attendance.view_session",
        "attendance.view_sessionevent",
    ],
}


class Command(BaseCommand):
    help = "Create or update the staff groups (Case managers, Read-only reviewers). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for name, permissions in ROLES.items():
                group, created = Group.objects.get_or_create(name=name)
                group.permissions.set(
                    Permission.objects.get(content_type__app_label=label.split(".")[0], codename=label.split(".")[1])
                    for label in permissions
                )
                self.stdout.write(
                    f"{'Created' if created else 'Updated'} group “{name}” ({len(permissions)} permissions)."
                )
