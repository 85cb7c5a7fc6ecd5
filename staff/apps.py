from django.apps import AppConfig


class StaffConfig(AppConfig):
    """The staff site: server-rendered pages for case managers."""

    name = "staff"
    verbose_name = "Staff site"
