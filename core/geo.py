"""Great-circle distances, in Python and as a database expression.

The reference's nearby query ordered by |Δlat| + |Δlng| over a full table scan, which is both
slow and wrong (a degree of longitude shrinks towards the poles). Here candidates are first
narrowed by a latitude/longitude bounding box, a range the `ix_meetings_lat_lng` index can
serve, and only those are measured with the haversine formula.
"""

import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, FloatField, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from core.validators import validate_latitude, validate_longitude

# Mean Earth radius (IUGG), in metres. Haversine on a sphere is within 0.5% of the ellipsoid.
EARTH_RADIUS_M = 6_371_008.8


class PositionError(ValueError):
    """An impossible position; `field` says which coordinate ("lat" or "lng")."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def coordinate_or_none(value: object) -> float | None:
    """A coordinate as typed or sent (a number, or a string of one) read as a float; None for
    anything else (a missing field, a boolean, text that is no number). For choosing a zone
    before a form or serializer has validated its fields; validation itself stays theirs."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def validate_point(lat: float, lng: float) -> None:
    """Raise PositionError (a ValueError) unless (lat, lng) is a real position in degrees."""
    for field, value, validator in (("lat", lat, validate_latitude), ("lng", lng, validate_longitude)):
        try:
            validator(value)
        except ValidationError as error:
            raise PositionError(error.messages[0], field) from None


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(a, 1.0)))


def offset_point(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point `north_m` metres north and `east_m` metres east of (lat, lng), to 6 decimals.

    Six decimals is about 0.1 m, as phones report. Computed on the same sphere as `haversine_m`,
    so that distances measured back from the destination match the offsets.
    """
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlng = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return round(lat + dlat, 6), round(lng + dlng, 6)


@dataclass(frozen=True)
class BoundingBox:
    """Every point within a radius of a centre lies inside this box.

    `lng_ranges` holds one (west, east) range, two when the box crosses the antimeridian, and
    spans the whole circle when the radius reaches a pole.
    """

    min_lat: float
    max_lat: float
    lng_ranges: tuple[tuple[float, float], ...]


def bounding_box(lat: float, lng: float, radius_m: float) -> BoundingBox:
    angular = radius_m / EARTH_RADIUS_M
    min_lat = lat - math.degrees(angular)
    max_lat = lat + math.degrees(angular)
    if min_lat <= -90 or max_lat >= 90 or angular >= math.pi / 2:
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), ((-180.0, 180.0),))
    # The widest longitude a circle reaches (at latitude asin(sin φ / cos δ)), not δ / cos φ,
    # which would miss points near the circle's east and west tips at high latitudes.
    dlng = math.degrees(math.asin(math.sin(angular) / math.cos(math.radians(lat))))
    west, east = lng - dlng, lng + dlng
    if west < -180:
        ranges = ((west + 360, 180.0), (-180.0, east))
    elif east > 180:
        ranges = ((west, 180.0), (-180.0, east - 360))
    else:
        ranges = ((west, east),)
    return BoundingBox(min_lat, max_lat, ranges)


def haversine_expression(lat: float, lng: float, lat_field: str = "lat", lng_field: str = "lng") -> Combinable:
    """A database expression for the distance in metres from (lat, lng) to each row's point.

    Uses only functions Django provides on SQLite (registered in Python) and PostgreSQL.
    """

    def const(value: float) -> Value:
        return Value(value, output_field=FloatField())

    dphi = Radians(F(lat_field) - const(lat))
    dlmb = Radians(F(lng_field) - const(lng))
    a = Power(Sin(dphi / const(2.0)), 2) + const(math.cos(math.radians(lat))) * Cos(Radians(F(lat_field))) * Power(
        Sin(dlmb / const(2.0)), 2
    )
    # Rounding can push `a` a hair above 1 for antipodal points; asin would then fail.
    return const(2 * EARTH_RADIUS_M) * ASin(Sqrt(Least(a, const(1.0))))
