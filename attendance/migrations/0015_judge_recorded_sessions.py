"""Judge every closed session recorded before outcomes were stored, with attendance.outcomes
under the policy version it was given by 0013 (the default jurisdiction's first version: the
README's defaults). Their events keep the flags decided when they were recorded; none of them
was sent late as far as anyone recorded. Sessions still open stay `open` until they close."""

from collections import defaultdict

from django.db import migrations

from attendance.outcomes import Rules, facts_of, judge

BATCH = 2000


def fill(apps, schema_editor) -> None:
    db = schema_editor.connection.alias
    Session = apps.get_model("attendance", "Session")
    SessionEvent = apps.get_model("attendance", "SessionEvent")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    rules = {version.pk: Rules.of(version) for version in PolicyVersion.objects.using(db).all()}
    closed = Session.objects.using(db).filter(status__in=["completed", "ended"], outcome="open").order_by("pk")
    ids = list(closed.values_list("pk", flat=True))
    for first in range(0, len(ids), BATCH):
        batch = ids[first : first + BATCH]
        events = defaultdict(list)
        rows = (
            SessionEvent.objects.using(db)
            .filter(session_id__in=batch, type__in=["check_in", "check_out"])
            .order_by("ts_server", "created_at", "id")
        )
        for event in rows:
            events[event.session_id].append(event)
        by_judgement = defaultdict(list)
        for session in Session.objects.using(db).filter(pk__in=batch):
            found = judge(facts_of(session, events[session.pk]), rules[session.policy_version_id])
            key = (found.outcome.value, " ".join(found.reasons), found.seconds_attended, found.seconds_scheduled)
            by_judgement[key].append(session.pk)
        for (outcome, reasons, attended, scheduled), pks in by_judgement.items():
            Session.objects.using(db).filter(pk__in=pks).update(
                outcome=outcome, outcome_reasons=reasons, seconds_attended=attended, seconds_scheduled=scheduled
            )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0014_evidence_stays_append_only")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
