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
        # What sort of meeting each is: read, to tag meetings; the list itself is kept by the admin.
        "meetings.view_meetingkind",
        "contacts.view_contact",
        "contacts.add_contact",
        "contacts.change_contact",
        "attendance.view_session",
        "attendance.change_session",
        "attendance.view_sessionevent",
        # The rules sessions are judged by: case managers read them, and tell a court which apply.
        "policies.view_jurisdiction",
        "policies.view_policyversion",
        # Court orders: recorded, amended and ended early by the case manager, who issues the
        # reports a court gets.
        "mandates.view_mandate",
        "mandates.add_mandate",
        "mandates.change_mandate",
        "mandates.delete_mandate",
        "mandates.view_courtreport",
        "mandates.add_courtreport",
    ],
    "Read-only reviewers": [
        "meetings.view_meeting",
        "contacts.view_contact",
        "attendance.view_session",
        "attendance.view_sessionevent",
        "policies.view_jurisdiction",
        "policies.view_policyversion",
        "mandates.view_mandate",
        "mandates.view_courtreport",
    ],
    # Who sets the rules: adds jurisdictions and publishes their policy versions (a supervisor,
    # or the program's compliance officer). Versions are never changed, only succeeded.
    "Policy administrators": [
        "policies.view_jurisdiction",
        "policies.add_jurisdiction",
        "policies.change_jurisdiction",
        "policies.view_policyversion",
        "policies.add_policyversion",
    ],
}


class Command(BaseCommand):
    help = "Create or update the staff groups (Case managers, Read-only reviewers, Policy administrators)."

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
