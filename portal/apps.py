from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The attendee's phone pages, opened from a meeting's QR code."""

    name = "portal"
    verbose_name = "Attendee pages"
