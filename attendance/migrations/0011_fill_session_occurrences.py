"""Sessions opened before meetings could repeat were for their meeting's one occurrence: its
start and end. Sessions without a meeting, or at a meeting without times, have none."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor) -> None:
    db = schema_editor.connection.alias
    Session = apps.get_model("attendance", "Session")
    Meeting = apps.get_model("meetings", "Meeting")
    meeting = Meeting.objects.using(db).filter(pk=OuterRef("meeting_id"))
    Session.objects.using(db).filter(meeting__start_time__isnull=False, occurrence_start__isnull=True).update(
        occurrence_start=Subquery(meeting.values("start_time")[:1]),
        occurrence_end=Subquery(meeting.values("end_time")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0010_session_occurrence"),
        ("meetings", "0007_recurrence_and_cancelled_occurrences"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
