from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save

if TYPE_CHECKING:
    from meetings.models import Meeting, MeetingKind, MeetingKindAssignment
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
        # Which meetings qualify for an order by kind follows the meetings' kinds: a change
        # recounts the orders by kind of the people who attended those meetings.
        from meetings.models import MeetingKindAssignment

        m2m_changed.connect(follow_kinds, sender=MeetingKindAssignment, dispatch_uid="mandates.follow_kinds")
        post_save.connect(follow_kind_row, sender=MeetingKindAssignment, dispatch_uid="mandates.follow_kind_row")
        post_delete.connect(follow_kind_row, sender=MeetingKindAssignment, dispatch_uid="mandates.follow_kind_gone")


def follow_zone(
    sender: type, instance: "Jurisdiction", using: str = "default", raw: bool = False, **kwargs: Any
) -> None:
    """Rebuild the periods of `instance`'s (a jurisdiction's) mandates counted in another zone."""
    if raw:
        return
    from mandates.counting import recount_all
    from mandates.models import Mandate

    stale = Mandate.objects.using(using).filter(jurisdiction_id=instance.pk).exclude(time_zone=instance.zone.key)
    recount_all(list(stale.values_list("pk", flat=True)), using)


def follow_kinds(
    sender: type,
    instance: "Meeting | MeetingKind",
    action: str,
    reverse: bool,
    pk_set: set | None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    """After meeting.kinds.set/add/remove/clear (or kind.meetings...): recount the orders by kind
    of the contacts with sessions at the meetings concerned."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        meeting_ids = [instance.pk]
    elif pk_set:
        meeting_ids = list(pk_set)
    else:
        # A kind's meetings cleared: which they were is gone; recount every order by that kind.
        _recount_orders_by_kind(using, kind_ids=[instance.pk])
        return
    _recount_orders_by_kind(using, meeting_ids=meeting_ids)


def follow_kind_row(
    sender: type, instance: "MeetingKindAssignment", using: str = "default", raw: bool = False, **kwargs: Any
) -> None:
    """A kind assignment written or removed as a row (not through the many-to-many manager)."""
    if not raw:
        _recount_orders_by_kind(using, meeting_ids=[instance.meeting_id])


def _recount_orders_by_kind(using: str, meeting_ids: list | None = None, kind_ids: list | None = None) -> None:
    from attendance.models import Session
    from mandates.counting import recount
    from mandates.models import Mandate

    orders = Mandate.objects.using(using).filter(kind_links__isnull=False)
    if kind_ids is not None:
        orders = orders.filter(kind_links__kind_id__in=kind_ids)
    if meeting_ids is not None:
        attendees = Session.objects.using(using).filter(meeting_id__in=meeting_ids).values("contact_id")
        orders = orders.filter(contact_id__in=attendees)
    for mandate_id in orders.values_list("pk", flat=True).distinct():
        recount(mandate_id, using)
