"""Absolute links that leave the site: printed in QR codes, handed to attendees."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def public_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` (from the site's root, starting with "/") as an absolute URL.

    On PUBLIC_BASE_URL whenever it is set, as it must be in production: a poster is generated on
    the staff site and scanned somewhere else, so the origin a staff member happens to use is not
    the attendees'. Unset (development only, see settings), on the origin `request` came in on,
    so that a server on another port (`make run PORT=8001`) prints codes that open on it.

    Raises ImproperlyConfigured when neither is known.
    """
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + path
    if request is None:
        raise ImproperlyConfigured("PUBLIC_BASE_URL is not set, and there is no request to take the origin from.")
    return request.build_absolute_uri(path)
