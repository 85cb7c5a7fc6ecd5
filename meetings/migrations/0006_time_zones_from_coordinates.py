"""Every meeting saved before meetings had a time zone gets the one at its coordinates.

Looked up offline (core.zones.zone_at). A meeting whose point has no land zone (at sea, or a
placeholder such as 0, 0) keeps the site's TIME_ZONE; those are listed, so that staff can set
the right one. The audit trail is not written: the zone was always the place's, only unstored.
"""

from django.conf import settings
from django.db import migrations

from core.zones import zone_at


def fill_time_zones(apps, schema_editor) -> None:
    meeting_model = apps.get_model("meetings", "Meeting")
    db = schema_editor.connection.alias
    found: dict[str, int] = {}
    not_found: list[tuple[str, str, float, float]] = []
    meetings = meeting_model.objects.using(db).filter(time_zone="").only("id", "name", "lat", "lng")
    for meeting in meetings.iterator(chunk_size=2000):
        zone = zone_at(meeting.lat, meeting.lng)
        if zone is None:
            not_found.append((meeting.id, meeting.name, meeting.lat, meeting.lng))
            zone = settings.TIME_ZONE
        found[zone] = found.get(zone, 0) + 1
        meeting_model.objects.using(db).filter(pk=meeting.pk).update(time_zone=zone)
    if not found:
        return
    print(f"\n  Time zones of {sum(found.values())} meetings, from their coordinates:")  # noqa: T201
    for zone, count in sorted(found.items()):
        print(f"    {zone}: {count}")  # noqa: T201
    if not_found:
        print(f"  No land zone at the coordinates of {len(not_found)}; they keep {settings.TIME_ZONE}:")  # noqa: T201
        for pk, name, lat, lng in not_found:
            print(f"    {pk} {name!r} at {lat}, {lng}")  # noqa: T201


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_time_zone")]

    operations = [migrations.RunPython(fill_time_zones, migrations.RunPython.noop, elidable=True)]
