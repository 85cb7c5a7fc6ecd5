"""The kinds of meeting court orders name most often, so that staff can tag meetings from the
start: created by migration 0011, and again after a database was emptied (meetings.apps).
Staff add others, relabel these or deactivate them on the Meetings > Kinds page."""

import uuid

from django.apps.registry import Apps
from django.db import connections

# slug, label, description.
STANDARD_KINDS = [
    ("aa", "Alcoholics Anonymous", "A 12-step Alcoholics Anonymous meeting."),
    ("na", "Narcotics Anonymous", "A 12-step Narcotics Anonymous meeting."),
    ("smart", "SMART Recovery", "A SMART Recovery (Self-Management and Recovery Training) meeting."),
    ("dui-class", "DUI education class", "An alcohol and drug education class ordered after a DUI."),
    ("anger-management", "Anger management", "An anger management group or class."),
    ("other", "Other", "A meeting of a kind not listed."),
]


def create_standard_kinds(apps: Apps, using: str) -> None:
    """Create each standard kind whose slug is missing (one staff changed keeps its changes)."""
    if "meeting_kinds" not in connections[using].introspection.table_names():
        return
    kinds = apps.get_model("meetings", "MeetingKind").objects.using(using)
    for slug, label, description in STANDARD_KINDS:
        if not kinds.filter(slug=slug).exists():
            kinds.create(id=str(uuid.uuid4()), slug=slug, label=label, description=description)
