"""Every meeting saved before meetings had a time zone gets the one at its coordinates.

Looked up offline (core.zones.zone_at). A meeting whose point has no land zone (at sea, or a
placeholder such as 0, 0) keeps the site's TIME_ZONE; those are listed, so that staff can set
the right one. Each audit-trail record gets the zone at its own coordinates too: the column is
new, and left empty the next change would read as someone setting the zone.
"""

from django.conf import settings
from django.db import migrations

from core.zones import zone_at

SHOWN = 50  # meetings without a land zone listed by id; beyond, only counted
BATCH = 500


def _fill(model, db: str) -> tuple[dict[str, int], list[tuple[object, str, float, float]]]:
    """Collect first, then update by zone in batches: one UPDATE per zone and batch, not per row."""
    by_zone: dict[str, list[object]] = {}
    not_found = []
    rows = model.objects.using(db).filter(time_zone="").values_list("pk", "lat", "lng")
    for pk, lat, lng in list(rows.iterator(chunk_size=2000)):
        zone = zone_at(lat, lng)
        if zone is None:
            not_found.append((pk, lat, lng))
            zone = settings.TIME_ZONE
        by_zone.setdefault(zone, []).append(pk)
    for zone, pks in by_zone.items():
        for start in range(0, len(pks), BATCH):
            model.objects.using(db).filter(pk__in=pks[start : start + BATCH]).update(time_zone=zone)
    return {zone: len(pks) for zone, pks in by_zone.items()}, not_found


def fill_time_zones(apps, schema_editor) -> None:
    db = schema_editor.connection.alias
    found, not_found = _fill(apps.get_model("meetings", "Meeting"), db)
    _fill(apps.get_model("meetings", "HistoricalMeeting"), db)
    if not found:
        return
    print(f"\n  Time zones of {sum(found.values())} meetings, from their coordinates:")
    for zone, count in sorted(found.items()):
        print(f"    {zone}: {count}")
    if not_found:
        print(f"  No land zone at the coordinates of {len(not_found)}; they keep {settings.TIME_ZONE}:")
        for pk, lat, lng in not_found[:SHOWN]:
            print(f"    {pk} at {lat}, {lng}")
        if len(not_found) > SHOWN:
            print(f"    and {len(not_found) - SHOWN} more")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_time_zone")]

    operations = [migrations.RunPython(fill_time_zones, migrations.RunPython.noop, elidable=True)]
