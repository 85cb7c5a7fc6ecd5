"""Recording events is limited per account and per address, on every path that records one
(the API with any of the attendee's tokens, the phone page), and the limit holds under
concurrency: 429 with Retry-After beyond it, nothing stored."""

import threading
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access import throttles
from access.models import ApiToken
from attendance.models import SessionEvent
from bench.servers import gunicorn
from tests.factories import ContactFactory, MeetingFactory, SessionFactory
from tests.legacy.databases import connected_to, scratch_database
from tests.production.http import post_json
from tests.production.redis import emptied

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own, emptied first


@pytest.fixture
def low_rates(settings):
    settings.EVENT_RATE_PER_ACCOUNT = "3/min"
    settings.EVENT_RATE_PER_ADDRESS = "5/min"


def api_phone(contact=None, address: str = "198.51.100.7", session=None):
    """A phone sending position updates over the API with a token of its own."""
    contact = contact or ContactFactory(consenting=True)
    session = session or SessionFactory(contact=contact, meeting=MeetingFactory(), status="checked_in")
    _, raw = ApiToken.issue(contact=contact)
    client = APIClient(HTTP_X_FORWARDED_FOR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/sessions/{session.pk}/location/"
    meeting = session.meeting
    body = {"ts_client": timezone.now().isoformat(), "lat": meeting.lat, "lng": meeting.lng, "accuracy": 10}
    return lambda: client.post(url, body, format="json")


def test_an_account_past_its_rate_gets_429_with_retry_after(low_rates):
    send = api_phone()
    assert [send().status_code for _ in range(3)] == [201, 201, 201]

    refused = send()

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert SessionEvent.objects.count() == 3


def test_another_account_is_not_slowed_by_the_first(low_rates):
    first, second = api_phone(), api_phone(address="203.0.113.4")
    for _ in range(3):
        first()
    assert first().status_code == 429
    assert second().status_code == 201


def test_a_second_token_of_the_same_attendee_shares_the_limit(low_rates):
    contact = ContactFactory(consenting=True)
    session = SessionFactory(contact=contact, meeting=MeetingFactory(), status="checked_in")
    first, second = api_phone(contact, session=session), api_phone(contact, session=session)
    assert [first().status_code for _ in range(3)] == [201, 201, 201]

    assert second().status_code == 429


def test_one_address_past_its_rate_gets_429(low_rates):
    phones = [api_phone() for _ in range(3)]
    statuses = [send().status_code for send in phones for _ in range(2)]
    assert statuses.count(201) == 5
    assert statuses[-1] == 429


def test_the_phone_page_counts_against_the_same_limit_as_the_api(client, low_rates):
    contact = ContactFactory(consenting=True)
    meeting = MeetingFactory()
    send = api_phone(contact, address="127.0.0.1")
    session = client.session
    session["attendee_contact_id"] = contact.pk
    session.save()
    page = reverse("attendee:check_in", args=[meeting.qr_code])

    def check_in_on_the_page():
        form = {
            "event_id": str(uuid.uuid4()),
            "ts_client": timezone.now().isoformat(),
            "lat": meeting.lat,
            "lng": meeting.lng,
            "accuracy": 10,
        }
        return client.post(page, form)

    assert [send().status_code for _ in range(3)] == [201, 201, 201]
    refused = check_in_on_the_page()

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "Too many check-in attempts" in refused.content.decode()
    assert not SessionEvent.objects.filter(type="check_in").exists(), "nothing recorded beyond the limit"


def test_the_phone_page_alone_is_limited_too(client, low_rates):
    """100 check-ins from one signed-in browser are not 100 rows of evidence."""
    contact = ContactFactory(consenting=True)
    meeting = MeetingFactory(lat=45.0, lng=-122.0)
    session = client.session
    session["attendee_contact_id"] = contact.pk
    session.save()
    page = reverse("attendee:check_in", args=[meeting.qr_code])
    far = {"ts_client": timezone.now().isoformat(), "lat": 46.0, "lng": -122.0, "accuracy": 10}

    statuses = [client.post(page, {**far, "event_id": str(uuid.uuid4())}).status_code for _ in range(5)]

    assert statuses == [302, 302, 302, 429, 429]
    assert SessionEvent.objects.count() == 3


def test_events_are_recorded_while_the_cache_is_unreachable(monkeypatch, caplog, failing_cache):
    """Redis down: the check-in is evidence, so it is stored unlimited, and the gap is logged."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    send = api_phone()
    failing_cache(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    monkeypatch.setattr("access.throttles._last_logged", {"at": float("-inf")})

    assert [send().status_code for _ in range(3)] == [201, 201, 201]
    # Said once, not for each event and limit.
    assert caplog.text.count("Event rate limits not applied: the cache is unreachable") == 1


def test_a_misconfigured_cache_is_not_waved_through(failing_cache):
    """A wrong Redis password never heals by itself: it is an error to see, not an outage."""
    from redis.exceptions import AuthenticationError

    send = api_phone()
    failing_cache(AuthenticationError("invalid username-password pair"))
    with pytest.raises(AuthenticationError):
        send()


# --- The counter itself -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["60/min", "60/minute", "60/m", "5/s", "100/hour", "1000/day", " 7 / sec "])
def test_rates_read_as_django_rest_frameworks_did(text):
    rate = throttles.Rate.parse(text)
    assert rate.limit > 0
    assert rate.seconds in (1, 60, 3600, 86400)


@pytest.mark.parametrize("text", ["", "60", "0/min", "-1/min", "60/fortnight", "sixty/min"])
def test_a_rate_that_means_nothing_is_refused(text):
    with pytest.raises(ValueError, match="a rate such as 60/min"):
        throttles.Rate.parse(text)


def test_the_window_ends_when_retry_after_says():
    rate = throttles.Rate(2, 60)
    start = 1_800_000_000.0  # a multiple of 60: a window starts here
    assert throttles.take("edge", rate, now=start) is None
    assert throttles.take("edge", rate, now=start + 10) is None
    assert throttles.take("edge", rate, now=start + 59) == 1
    assert throttles.take("edge", rate, now=start + 60) is None, "a new window"


def sixteen_threads_take(calls: int, rate: throttles.Rate) -> int:
    allowed = []
    start = threading.Barrier(16)

    def run() -> None:
        start.wait()
        for _ in range(calls):
            if throttles.take("crowd", rate) is None:
                allowed.append(1)

    threads = [threading.Thread(target=run) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(allowed)


def test_sixteen_threads_never_pass_more_than_the_limit_in_local_memory():
    assert sixteen_threads_take(10, throttles.Rate(60, 3600)) == 60


def test_sixteen_threads_never_pass_more_than_the_limit_in_redis(settings):
    if emptied(REDIS_URL) is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    assert sixteen_threads_take(10, throttles.Rate(60, 3600)) == 60


# --- Across gunicorn workers ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_phones_of_one_attendee_get_exactly_the_limit_across_workers(tmp_path, django_db_blocker):
    if emptied(REDIS_URL) is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    with scratch_database("event_limits", tmp_path) as database:
        with connected_to(database, django_db_blocker):
            call_command("migrate", verbosity=0)
            session = SessionFactory(status="checked_in")
            _, token = ApiToken.issue(contact=session.contact)
            meeting = session.meeting
        body = {"ts_client": timezone.now().isoformat(), "lat": meeting.lat, "lng": meeting.lng, "accuracy": 10}
        environment = {"CACHE_URL": REDIS_URL, "EVENT_RATE_PER_ACCOUNT": "20/hour"}
        with gunicorn("compliance.wsgi:application", database.url, "--workers", "3", environment=environment) as (
            base,
            _,
        ):
            url = f"{base}/api/v1/sessions/{session.pk}/location/"
            statuses = []
            start = threading.Barrier(16)

            def phone() -> None:
                start.wait()
                for _ in range(2):
                    statuses.append(post_json(url, body, {"Authorization": f"Bearer {token}"}))

            threads = [threading.Thread(target=phone) for _ in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        with connected_to(database, django_db_blocker):
            stored = SessionEvent.objects.filter(session_id=session.pk).count()

    assert sorted(statuses) == [201] * 20 + [429] * 12
    assert stored == 20
