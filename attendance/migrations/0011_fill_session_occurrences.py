"""Sessions opened before meetings could repeat were for their meeting's one occurrence: its
start and end as they were when the session opened. Before this release a weekly group was
often one meeting whose start staff moved each week, so the meeting's current times would put
last March's session in this week's occurrence; the audit trail (meetings' history) says what
the times were then. A session opened before the meeting's first recorded state (rows adopted
from the legacy system, whose history starts at adoption) takes that first state. Sessions
without a meeting, or at a meeting without times then, have none.
"""

import bisect
from collections import defaultdict

from django.db import migrations

BATCH = 1000


def _states(apps, db: str) -> dict[str, tuple[list, list]]:
    """Per meeting: the dates of its recorded states, and (start, end) at each, oldest first."""
    HistoricalMeeting = apps.get_model("meetings", "HistoricalMeeting")
    states: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    rows = HistoricalMeeting.objects.using(db).order_by("id", "history_date", "history_id")
    for meeting_id, when, start, end in rows.values_list("id", "history_date", "start_time", "end_time").iterator(
        chunk_size=5000
    ):
        dates, times = states[meeting_id]
        dates.append(when)
        times.append((start, end))
    return states


def fill(apps, schema_editor) -> None:
    db = schema_editor.connection.alias
    Session = apps.get_model("attendance", "Session")
    Meeting = apps.get_model("meetings", "Meeting")
    states = _states(apps, db)
    current = dict(
        (pk, (start, end))
        for pk, start, end in Meeting.objects.using(db)
        .values_list("pk", "start_time", "end_time")
        .iterator(chunk_size=5000)
    )
    by_times: dict[tuple, list] = defaultdict(list)
    sessions = Session.objects.using(db).filter(meeting__isnull=False, occurrence_start__isnull=True)
    for pk, meeting_id, created_at in sessions.values_list("pk", "meeting_id", "created_at").iterator(chunk_size=5000):
        dates, times = states.get(meeting_id, ([], []))
        if dates:
            at = bisect.bisect_right(dates, created_at) - 1
            start, end = times[max(at, 0)]
        else:
            start, end = current[meeting_id]
        if start is not None:
            by_times[(start, end)].append(pk)
    for (start, end), pks in by_times.items():
        for first in range(0, len(pks), BATCH):
            Session.objects.using(db).filter(pk__in=pks[first : first + BATCH]).update(
                occurrence_start=start, occurrence_end=end
            )


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0010_session_occurrence"),
        ("meetings", "0007_recurrence_and_cancelled_occurrences"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
