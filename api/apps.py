from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The versioned DRF API over every domain package."""

    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from api import schema  # noqa: F401  (registers the OpenAPI description of bearer tokens)
