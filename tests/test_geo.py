"""Great-circle distance and the bounding box that narrows the nearby query."""

import math
import random

import pytest

from core.geo import bounding_box, haversine_m, offset_point, validate_point

# Published great-circle distances (spherical Earth, mean radius), in km.
CITY_PAIRS = [
    ("London", (51.5074, -0.1278), "Paris", (48.8566, 2.3522), 343.5),
    ("New York", (40.7128, -74.0060), "Los Angeles", (34.0522, -118.2437), 3935.7),
    ("Sydney", (-33.8688, 151.2093), "Melbourne", (-37.8136, 144.9631), 713.4),
    ("Tokyo", (35.6762, 139.6503), "San Francisco", (37.7749, -122.4194), 8270.5),
]


@pytest.mark.parametrize(("_a", "a", "_b", "b", "km"), CITY_PAIRS)
def test_haversine_matches_known_city_distances(_a, a, _b, b, km):
    assert haversine_m(*a, *b) / 1000 == pytest.approx(km, rel=0.002)


def test_haversine_is_symmetric_and_zero_on_the_spot():
    assert haversine_m(45.5, -122.6, 45.5, -122.6) == 0
    assert haversine_m(10, 20, -30, 40) == pytest.approx(haversine_m(-30, 40, 10, 20))


def test_haversine_across_the_antimeridian_takes_the_short_way():
    # Two points 0.2° of longitude apart on either side of 180° at the equator: ~22 km.
    assert haversine_m(0, 179.9, 0, -179.9) == pytest.approx(22_239, rel=0.001)


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8)


@pytest.mark.parametrize(("lat", "lng"), [(90.1, 0), (-91, 0), (0, 180.5), (0, -181), (math.nan, 0), (0, math.inf)])
def test_impossible_points_are_refused(lat, lng):
    with pytest.raises(ValueError, match="must be between"):
        validate_point(lat, lng)


def inside(box, lat, lng) -> bool:
    return box.min_lat <= lat <= box.max_lat and any(west <= lng <= east for west, east in box.lng_ranges)


@pytest.mark.parametrize(
    ("lat", "lng", "radius_m"),
    [
        (45.5, -122.6, 5_000),  # Portland
        (64.1, -21.9, 50_000),  # Reykjavik, where a degree of longitude is short
        (-17.7, 179.98, 20_000),  # Fiji, across the antimeridian
        (71.0, -179.99, 30_000),  # Arctic, across the antimeridian
        (89.95, 10.0, 10_000),  # reaches the North Pole
        (0.0, 0.0, 1_000),
    ],
)
def test_every_point_within_the_radius_lies_in_the_bounding_box(lat, lng, radius_m):
    box = bounding_box(lat, lng, radius_m)
    rng = random.Random(f"{lat},{lng},{radius_m}")
    degrees = math.degrees(radius_m / 6_371_008.8)
    checked = 0
    for _ in range(5000):
        # Sample a square a little larger than the circle (wider in longitude near the poles).
        p_lat = max(-90.0, min(90.0, lat + rng.uniform(-1.1, 1.1) * degrees))
        spread = min(180.0, 1.1 * degrees / max(math.cos(math.radians(p_lat)), 1e-6))
        p_lng = (lng + rng.uniform(-spread, spread) + 540) % 360 - 180
        if haversine_m(lat, lng, p_lat, p_lng) <= radius_m:
            checked += 1
            assert inside(box, p_lat, p_lng), (p_lat, p_lng)
    assert checked > 100


def test_the_box_is_not_much_bigger_than_needed():
    box = bounding_box(45.5, -122.6, 5_000)
    ((west, east),) = box.lng_ranges
    assert box.max_lat - box.min_lat == pytest.approx(2 * 5_000 / 111_195, rel=0.01)
    assert east - west == pytest.approx(2 * 5_000 / (111_195 * math.cos(math.radians(45.5))), rel=0.01)


def test_a_box_crossing_the_antimeridian_has_two_longitude_ranges():
    box = bounding_box(-17.7, 179.98, 20_000)
    assert len(box.lng_ranges) == 2
    assert box.lng_ranges[0][1] == 180.0
    assert box.lng_ranges[1][0] == -180.0


@pytest.mark.parametrize(("north_m", "east_m"), [(100, 0), (0, 100), (-250, 400), (3_000, -4_000)])
def test_offset_point_lands_the_given_distance_away(north_m, east_m):
    lat, lng = offset_point(45.5, -122.6, north_m=north_m, east_m=east_m)
    assert haversine_m(45.5, -122.6, lat, lng) == pytest.approx(math.hypot(north_m, east_m), rel=0.001)
