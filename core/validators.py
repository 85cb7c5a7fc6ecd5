"""The ranges a position, a radius and an accuracy must lie in, written once.

Field validators put a plain message next to the field a person must correct; the check
constraints built from the same numbers (`in_range`) make the database refuse what slips past
them; `core.geo.validate_point` applies them to query parameters. NaN and infinity are
never in range: a NaN radius would make every comparison false and every check-in "granted".
"""

import math

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.deconstruct import deconstructible

LATITUDE = (-90.0, 90.0)
LONGITUDE = (-180.0, 180.0)
# A check-in radius beyond a few kilometres proves nothing about attending a meeting.
MAX_RADIUS_METERS = 10_000.0
# Half the Earth's circumference: no reported accuracy can honestly be worse.
MAX_REPORTED_ACCURACY_METERS = 20_000_000.0


@deconstructible
class RangeValidator:
    def __init__(self, low: float, high: float, message: str, low_exclusive: bool = False) -> None:
        self.low, self.high, self.message, self.low_exclusive = low, high, message, low_exclusive

    def __call__(self, value: float) -> None:
        above_low = value > self.low if self.low_exclusive else value >= self.low
        if not (math.isfinite(value) and above_low and value <= self.high):
            raise ValidationError(self.message, code="out_of_range")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RangeValidator) and vars(self) == vars(other)


validate_latitude = RangeValidator(*LATITUDE, "Latitude must be between -90 and 90.")
validate_longitude = RangeValidator(*LONGITUDE, "Longitude must be between -180 and 180.")
validate_radius = RangeValidator(
    0, MAX_RADIUS_METERS, "The check-in radius must be more than 0 and at most 10,000 metres.", low_exclusive=True
)
validate_accuracy = RangeValidator(0, MAX_REPORTED_ACCURACY_METERS, "Accuracy must be 0 metres or more.")


def in_range(field: str, low: float, high: float, low_exclusive: bool = False) -> Q:
    """A check constraint condition; on PostgreSQL NaN sorts above every number, so the upper
    bound refuses it too."""
    return Q(**{f"{field}__gt" if low_exclusive else f"{field}__gte": low, f"{field}__lte": high})


def latitude_check(field: str) -> Q:
    return in_range(field, *LATITUDE)


def longitude_check(field: str) -> Q:
    return in_range(field, *LONGITUDE)
