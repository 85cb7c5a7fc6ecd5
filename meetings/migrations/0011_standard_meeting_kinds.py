"""The kinds of meeting court orders name most often, so that staff can tag meetings from the
start. Staff add others, relabel these or deactivate them on the Meetings > Kinds page."""

import uuid

from django.db import migrations

# slug, label, description: as they were when this migration was written (later changes are
# staff's, recorded in the audit trail).
STANDARD_KINDS = [
    ("aa", "Alcoholics Anonymous", "A 12-step Alcoholics Anonymous meeting."),
    ("na", "Narcotics Anonymous", "A 12-step Narcotics Anonymous meeting."),
    ("smart", "SMART Recovery", "A SMART Recovery (Self-Management and Recovery Training) meeting."),
    ("dui-class", "DUI education class", "An alcohol and drug education class ordered after a DUI."),
    ("anger-management", "Anger management", "An anger management group or class."),
    ("other", "Other", "A meeting of a kind not listed."),
]


def create(apps, schema_editor) -> None:
    kinds = apps.get_model("meetings", "MeetingKind").objects.using(schema_editor.connection.alias)
    for slug, label, description in STANDARD_KINDS:
        if not kinds.filter(slug=slug).exists():
            kinds.create(id=str(uuid.uuid4()), slug=slug, label=label, description=description)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0010_meeting_kinds")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
