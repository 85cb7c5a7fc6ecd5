from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (`manage.py seed_demo`), written through the services."""

    name = "demo"
    verbose_name = "Demo data"
