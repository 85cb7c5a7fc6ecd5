"""The staff lists stop counting at a cap and say "more than" beyond it."""

import pytest
from django.urls import reverse

from attendance.models import Session
from core.pagination import CappedPaginator
from tests.factories import MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_the_count_stops_at_the_cap_and_says_so():
    MeetingFactory.create_batch(7)
    from meetings.models import Meeting

    capped = CappedPaginator(Meeting.objects.order_by("name"), 2, cap=5)
    assert (capped.count, capped.capped, capped.num_pages) == (5, True, 3)
    exact = CappedPaginator(Meeting.objects.order_by("name"), 2, cap=7)
    assert (exact.count, exact.capped) == (7, False)
    # The pages within the cap hold the first rows in order.
    assert [m.name for m in capped.page(1)] == list(Meeting.objects.order_by("name").values_list("name", flat=True)[:2])


def test_a_list_beyond_the_cap_says_more_than(staff_client, monkeypatch):
    monkeypatch.setattr("core.pagination.COUNT_CAP", 3)
    SessionFactory.create_batch(4)

    page = staff_client.get(reverse("attendance:sessions")).content.decode()

    assert "More than 3 sessions, newest first" in page
    assert Session.objects.count() == 4


def test_a_list_within_the_cap_gives_the_exact_count(staff_client):
    SessionFactory.create_batch(4)
    page = staff_client.get(reverse("attendance:sessions")).content.decode()
    assert "4 sessions, newest first" in page
    assert "More than" not in page
