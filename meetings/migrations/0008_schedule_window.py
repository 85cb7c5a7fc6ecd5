"""The first window of scheduled occurrences (meetings.schedule), so that "meetings today"
works at once after the upgrade. Every meeting saved before this release happens once (there
were no rules), so its one occurrence is its start and end; `manage.py refresh_schedule`
rebuilds the window from the schedules themselves from then on.
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

DAYS_BEFORE = 2  # as meetings.schedule.window_for at the time of writing
DAYS_AFTER = 14


def build(apps, schema_editor) -> None:
    db = schema_editor.connection.alias
    Meeting = apps.get_model("meetings", "Meeting")
    ScheduledOccurrence = apps.get_model("meetings", "ScheduledOccurrence")
    ScheduleWindow = apps.get_model("meetings", "ScheduleWindow")
    today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    first, last = today - dt.timedelta(days=DAYS_BEFORE), today + dt.timedelta(days=DAYS_AFTER)
    start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    rows = []
    meetings = Meeting.objects.using(db).filter(is_active=True, start_time__gte=start, start_time__lt=end)
    for meeting in meetings.iterator(chunk_size=2000):
        zone = zoneinfo.ZoneInfo(meeting.time_zone or settings.TIME_ZONE)
        local_date = meeting.start_time.astimezone(zone).date()
        if first <= local_date <= last:
            rows.append(
                ScheduledOccurrence(
                    meeting_id=meeting.pk,
                    start=meeting.start_time,
                    end=meeting.end_time,
                    local_date=local_date,
                    time_zone=zone.key,
                    cancelled=False,
                )
            )
    ScheduledOccurrence.objects.using(db).bulk_create(rows, batch_size=1000)
    ScheduleWindow.objects.using(db).create(first_date=first, last_date=last, refreshed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("meetings", "0007_recurrence_and_cancelled_occurrences")]

    operations = [migrations.RunPython(build, migrations.RunPython.noop, elidable=True)]
