from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db.models.signals import post_save

if TYPE_CHECKING:
    from policies.models import Jurisdiction


class MandatesConfig(AppConfig):
    name = "mandates"
    verbose_name = "Mandates and compliance"

    def ready(self) -> None:
        from attendance.signals import session_judged
        from mandates.counting import recount_for_session

        # A session's outcome decides whether it counts: recount its contact's mandates in the
        # transaction that stored the outcome.
        session_judged.connect(recount_for_session, dispatch_uid="mandates.recount_for_session")
        # A court's zone decides where its orders' days start: a change rebuilds their periods.
        post_save.connect(follow_zone, sender="policies.Jurisdiction", dispatch_uid="mandates.follow_zone")


def follow_zone(
    sender: type, instance: "Jurisdiction", using: str = "default", raw: bool = False, **kwargs: Any
) -> None:
    """Rebuild the periods of `instance`'s (a jurisdiction's) mandates counted in another zone."""
    if raw:
        return
    from django.conf import settings

    from mandates.counting import recount_all
    from mandates.models import Mandate

    zone = instance.time_zone or settings.TIME_ZONE
    stale = Mandate.objects.using(using).filter(jurisdiction_id=instance.pk).exclude(time_zone=zone)
    recount_all(list(stale.values_list("pk", flat=True)), using)
