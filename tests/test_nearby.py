"""Meeting.objects.near(): within the radius, nearest first by true great-circle distance."""

import math
import re

import pytest
from django.db import connection

from core.geo import haversine_m, offset_point
from meetings.models import Meeting
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def names(queryset) -> list[str]:
    return [meeting.name for meeting in queryset]


def test_nearest_first_by_true_distance_not_by_degrees():
    # At 60°N a degree of longitude is half a degree of latitude. The reference's
    # |Δlat| + |Δlng| ordering would put "north" (0.07°) before "east" (0.1° ≈ 5.6 km).
    centre = (60.0, 10.0)
    MeetingFactory(name="north", lat=60.07, lng=10.0)  # ~7.8 km
    MeetingFactory(name="east", lat=60.0, lng=10.1)  # ~5.6 km
    MeetingFactory(name="here", lat=60.0, lng=10.0)
    assert names(Meeting.objects.near(*centre, radius_km=10)) == ["here", "east", "north"]


def test_only_meetings_within_the_radius():
    centre = (45.5, -122.6)
    for name, north_m, east_m in [
        ("4.9 km north", 4_900, 0),
        ("5.1 km north", 5_100, 0),
        ("4.9 km east", 0, 4_900),
        ("5.1 km east", 0, 5_100),
    ]:
        lat, lng = offset_point(*centre, north_m=north_m, east_m=east_m)
        MeetingFactory(name=name, lat=lat, lng=lng)
    assert set(names(Meeting.objects.near(*centre, radius_km=5))) == {"4.9 km north", "4.9 km east"}


def test_each_meeting_carries_its_distance_in_metres():
    portland, seattle = (45.5152, -122.6784), (47.6062, -122.3321)
    MeetingFactory(name="Seattle", lat=seattle[0], lng=seattle[1])
    (found,) = Meeting.objects.near(*portland, radius_km=300)
    assert found.distance_m == pytest.approx(haversine_m(*portland, *seattle), rel=1e-9)
    assert found.distance_m == pytest.approx(233_600, rel=0.01)


def test_across_the_antimeridian():
    MeetingFactory(name="west of 180", lat=-17.7, lng=179.99)
    MeetingFactory(name="east of 180", lat=-17.7, lng=-179.99)
    MeetingFactory(name="far", lat=-17.7, lng=178.0)
    found = Meeting.objects.near(-17.7, -179.995, radius_km=5)
    assert names(found) == ["east of 180", "west of 180"]


def test_near_a_pole():
    MeetingFactory(name="other side of the pole", lat=89.99, lng=-170.0)
    assert names(Meeting.objects.near(89.99, 10.0, radius_km=5)) == ["other side of the pole"]


def test_combines_with_active():
    MeetingFactory(name="open", lat=45.5, lng=-122.6)
    MeetingFactory(name="closed", lat=45.5, lng=-122.6, is_active=False)
    assert names(Meeting.objects.active().near(45.5, -122.6, radius_km=1)) == ["open"]


@pytest.mark.parametrize(
    ("lat", "lng", "radius_km", "message"),
    [
        (91, 0, 5, "Latitude must be between -90 and 90."),
        (0, 181, 5, "Longitude must be between -180 and 180."),
        (0, 0, 0, "radius_km must be positive"),
        (0, 0, -1, "radius_km must be positive"),
        (math.nan, 0, 5, "Latitude must be between -90 and 90."),
    ],
)
def test_impossible_queries_are_refused(lat, lng, radius_km, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Meeting.objects.near(lat, lng, radius_km)


def test_one_query_whatever_the_number_of_meetings(django_assert_num_queries):
    MeetingFactory.create_batch(10, lat=45.5, lng=-122.6)
    with django_assert_num_queries(1):
        assert len(list(Meeting.objects.active().near(45.5, -122.6, radius_km=1))) == 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN output is PostgreSQL's")
def test_postgresql_can_serve_the_query_from_the_lat_lng_index():
    MeetingFactory.create_batch(20)
    queryset = Meeting.objects.active().near(45.5, -122.6, radius_km=5)
    with connection.cursor() as cursor:
        # A handful of rows never justify an index to the planner; forbid the sequential scan
        # to see whether the index *can* serve the query, as it will at scale.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "ix_meetings_lat_lng" in plan
