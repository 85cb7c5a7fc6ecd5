"""A check-out (which judges the session and recounts the contact's mandates) racing a staff
member's amendment of the same mandate (which rebuilds its periods): whichever goes first, the
figures end as they would one after the other, with the session counted once."""

import threading

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from attendance import services as attendance
from attendance.models import EventType
from attendance.services import EventReport, Fix
from mandates import services
from mandates.models import MandatePeriod
from tests.factories import ContactFactory, StaffUserFactory
from tests.test_mandate_month import PORTLAND, daily, order, pst

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite serialises writers by locking the whole file: PostgreSQL is where they interleave.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]


def at_the_door() -> EventReport:
    return EventReport(ts_client=timezone.now(), fix=Fix(*PORTLAND, 10))


@pytest.mark.parametrize("attempt", range(3))
def test_a_check_out_racing_an_amendment_is_counted_once(attempt):
    from policies.models import Jurisdiction

    Jurisdiction.objects.create(name="Multnomah County Circuit Court", kind="court", time_zone="America/Los_Angeles")
    hope = daily("Hope Group", 19, "aa")
    staff = StaffUserFactory()
    contact = ContactFactory(consenting=True)
    mandate = order(contact, staff)
    with time_machine.travel(pst(1, 19, 2), tick=False):
        attendance.record_at_meeting(contact, hope, EventType.CHECK_IN, at_the_door())
    terms = services.Terms(
        case_number=mandate.case_number,
        required_count=2,
        period="week",
        starts_on=mandate.starts_on,
        ends_on=mandate.ends_on,
        jurisdiction=mandate.jurisdiction,
    )
    ready = threading.Barrier(2, timeout=5)
    errors: list[BaseException] = []

    def check_out() -> None:
        try:
            ready.wait()
            attendance.record_at_meeting(contact, hope, EventType.CHECK_OUT, at_the_door())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def amend() -> None:
        try:
            ready.wait()
            services.change(mandate, terms, by=staff)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    with time_machine.travel(pst(1, 20, 30), tick=False):
        threads = [threading.Thread(target=check_out), threading.Thread(target=amend)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    figures = list(MandatePeriod.objects.filter(mandate=mandate).order_by("number").values_list("required", "attended"))
    assert figures == [(2, 1), (2, 0), (2, 0), (2, 0)]
