"""The event endpoints answer 429 with Retry-After past their rate, per token and per address."""

import pytest
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from access.models import ApiToken
from access.throttles import EventsPerAddress, EventsPerToken
from tests.factories import ContactFactory, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "events_per_token": "3/min", "events_per_address": "5/min"}
    monkeypatch.setattr(EventsPerToken, "THROTTLE_RATES", rates)
    monkeypatch.setattr(EventsPerAddress, "THROTTLE_RATES", rates)


def phone(address: str = "198.51.100.7"):
    contact = ContactFactory(consenting=True)
    meeting = MeetingFactory()
    session = SessionFactory(contact=contact, meeting=meeting, status="checked_in")
    _, raw = ApiToken.issue(contact=contact)
    client = APIClient(HTTP_X_FORWARDED_FOR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/sessions/{session.pk}/location/"
    body = {"ts_client": timezone.now().isoformat(), "lat": meeting.lat, "lng": meeting.lng, "accuracy": 10}
    return lambda: client.post(url, body, format="json")


def test_a_token_past_its_rate_gets_429_with_retry_after(low_rates):
    send = phone()
    assert [send().status_code for _ in range(3)] == [201, 201, 201]

    refused = send()

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60


def test_another_token_is_not_slowed_by_the_first(low_rates):
    first, second = phone(), phone(address="203.0.113.4")
    for _ in range(3):
        first()
    assert first().status_code == 429
    assert second().status_code == 201


def test_one_address_past_its_rate_gets_429(low_rates):
    phones = [phone() for _ in range(3)]
    statuses = [send().status_code for send in phones for _ in range(2)]
    assert statuses.count(201) == 5
    assert statuses[-1] == 429


def test_events_are_recorded_while_the_cache_is_unreachable(monkeypatch, caplog, failing_cache):
    """Redis down: the check-in is evidence, so it is stored unlimited, and the gap is logged."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    send = phone()
    failing_cache(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    monkeypatch.setattr("access.throttles._last_logged", {"at": float("-inf")})

    assert [send().status_code for _ in range(3)] == [201, 201, 201]
    # Said once, not for each event and limit.
    assert caplog.text.count("Event rate limits not applied: the cache is unreachable") == 1


def test_a_misconfigured_cache_is_not_waved_through(failing_cache):
    """A wrong Redis password never heals by itself: it is an error to see, not an outage."""
    from redis.exceptions import AuthenticationError

    send = phone()
    failing_cache(AuthenticationError("invalid username-password pair"))
    with pytest.raises(AuthenticationError):
        send()
