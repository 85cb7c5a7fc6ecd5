"""Field validators that put a plain message next to the field a person must correct.

The database refuses the same values (the ck_* check constraints); without these, a form would
only say that a constraint named ck_meetings_lat_range was violated.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator


def validate_radius(value: float) -> None:
    if value <= 0:
        raise ValidationError("The check-in radius must be more than 0 metres.", code="min_value")


LATITUDE_VALIDATORS = [
    MinValueValidator(-90, "Latitude must be between -90 and 90."),
    MaxValueValidator(90, "Latitude must be between -90 and 90."),
]
LONGITUDE_VALIDATORS = [
    MinValueValidator(-180, "Longitude must be between -180 and 180."),
    MaxValueValidator(180, "Longitude must be between -180 and 180."),
]
