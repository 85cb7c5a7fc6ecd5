from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """The project package is an app too, for what every app shares: templates tags, the staff
    sign-in and dashboard."""

    name = "compliance"
    verbose_name = "Verified Compliance"
