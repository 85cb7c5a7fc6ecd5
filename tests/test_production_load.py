"""Production under load and faults: gunicorn with the production settings, on PostgreSQL.

A hundred attendees' phones (tests/production/phones.py) open sessions, check in, send location
updates and check out for a bounded time. Then, during that load, PostgreSQL is restarted (and
crashes), and a gunicorn worker is killed. Whatever happens, every event the server acknowledged
is in the database, and nothing is stored twice; a database outage is answered at once with a
503 the phones retry, and the application recovers by itself.

The database is a PostgreSQL server of the tests' own (tests/production/postgres.py), so that
restarting it disturbs nothing else. These tests run in the PostgreSQL pass of the suite.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from access.models import ApiToken
from bench.servers import ROOT, gunicorn, workers_of
from tests.factories import ContactFactory, MeetingFactory
from tests.legacy.databases import ScratchDatabase, connected_to
from tests.production.postgres import Server, binaries, throwaway_postgres
from tests.production.redis import emptied

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in the PostgreSQL pass (DATABASE_URL)"),
    pytest.mark.skipif(binaries() is None, reason="PostgreSQL's server binaries are not installed"),
]

ATTENDEES = 100
EVENT_ACTIONS = {"check-in", "location", "check-out"}
# A phone reports an event every few seconds; these phones report as fast as they are answered,
# so the per-token limit (60 a minute) would refuse them. It is tested in test_event_rate_limits.
SERVER_ENVIRONMENT = {"EVENT_RATE_PER_ACCOUNT": "1000000/min", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own
# Fixed, not 2 x cores + 1: each worker holds a connection, and the tests' PostgreSQL allows 60.
WORKERS = 4
# "Fail fast": an answer during an outage comes in seconds, not after gunicorn's 120 s timeout.
FAST_SECONDS = 5


@dataclass
class Application:
    server: Server
    database: ScratchDatabase
    cache: dict[str, str]

    def serve(self):
        """gunicorn with the production configuration; yields (base URL, master process)."""
        return gunicorn(
            "compliance.wsgi:application",
            self.database.url,
            "--workers",
            str(WORKERS),
            environment={**SERVER_ENVIRONMENT, **self.cache},
        )


def empty_shared_cache() -> dict[str, str]:
    """Redis, as in production, when it runs here; else each worker's memory."""
    return {"CACHE_URL": REDIS_URL} if emptied(REDIS_URL) is not None else {}


@pytest.fixture(scope="module")
def application(django_db_blocker):
    with throwaway_postgres() as server:
        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE compliance")
        database = ScratchDatabase(
            "postgresql", "compliance", {"HOST": "127.0.0.1", "PORT": server.port, "USER": "postgres", "PASSWORD": ""}
        )
        with connected_to(database, django_db_blocker):
            call_command("migrate", verbosity=0)
        yield Application(server, database, empty_shared_cache())
        empty_shared_cache()  # leave no counts behind


def seed(application: Application, django_db_blocker, count: int = ATTENDEES) -> list[dict]:
    """`count` consenting attendees with API tokens, all at one meeting."""
    with connected_to(application.database, django_db_blocker):
        meeting = MeetingFactory(lat=45.5193, lng=-122.6831, radius_meters=100)
        attendees = []
        for _ in range(count):
            contact = ContactFactory(consenting=True)
            _, raw = ApiToken.issue(contact=contact, name="load test")
            attendees.append(
                {"contact": contact.id, "token": raw, "meeting": meeting.id, "lat": meeting.lat, "lng": meeting.lng}
            )
    return attendees


@contextmanager
def phones(base: str, attendees: list[dict], seconds: float, directory: Path) -> Iterator[subprocess.Popen]:
    """The phones' process (tests/production/phones.py), stopped if the test fails first."""
    plan = directory / "plan.json"
    plan.write_text(json.dumps({"base": base, "seconds": seconds, "attendees": attendees}))
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.production.phones", str(plan)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def finish(phones: subprocess.Popen) -> dict:
    out, err = phones.communicate(timeout=180)
    assert phones.returncode == 0, err[-3000:]
    result = json.loads(out)
    seconds = [answer["seconds"] for answer in result["answers"]]
    # Shown with -s, and in a failure's report: what the phones saw.
    print(
        f"{len(seconds)} answers in {result['wall_s']:.1f} s, {len(result['acknowledged'])} events acknowledged,"
        f" slowest {max(seconds):.2f} s, statuses {dict(statuses(result['answers']))}"
    )
    return result


def stored_events(application: Application, attendees: list[dict]) -> list[str]:
    with application.database.raw_cursor() as cursor:
        cursor.execute(
            "SELECT e.id FROM session_events e JOIN sessions s ON s.id = e.session_id WHERE s.contact_id = ANY(%s)",
            [[attendee["contact"] for attendee in attendees]],
        )
        return [row[0] for row in cursor.fetchall()]


def stored_sessions(application: Application, attendees: list[dict]) -> int:
    with application.database.raw_cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sessions WHERE contact_id = ANY(%s)", [[a["contact"] for a in attendees]])
        return cursor.fetchone()[0]


def statuses(answers: list[dict], what: set[str] | None = None) -> Counter:
    return Counter(answer["status"] for answer in answers if what is None or answer["what"] in what)


def assert_every_acknowledged_event_stored_once(result: dict, application: Application, attendees: list) -> None:
    acknowledged = result["acknowledged"]
    stored = stored_events(application, attendees)
    assert len(set(acknowledged)) == len(acknowledged), "an event acknowledged twice"
    assert len(set(stored)) == len(stored)
    missing = set(acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged events are not in the database"
    # Phones resend until acknowledged, so nothing is stored without having been acknowledged.
    assert set(stored) == set(acknowledged)


def test_a_hundred_attendees_check_in_report_and_check_out(application, django_db_blocker, tmp_path):
    attendees = seed(application, django_db_blocker)
    with application.serve() as (base, _), phones(base, attendees, 15, tmp_path) as running:
        result = finish(running)

    answers = result["answers"]
    assert statuses(answers, EVENT_ACTIONS).keys() == {201}, statuses(answers)
    assert statuses(answers, {"open"}).keys() == {201}, statuses(answers)
    # Every attendee went round at least once: open, check in, three updates, check out.
    assert len(answers) >= ATTENDEES * 6
    events = stored_events(application, attendees)
    assert len(events) == statuses(answers, EVENT_ACTIONS)[201]
    assert_every_acknowledged_event_stored_once(result, application, attendees)
    assert stored_sessions(application, attendees) == statuses(answers, {"open"})[201]


@pytest.mark.parametrize("mode", ["fast", "immediate"], ids=["restarted", "crashed"])
def test_a_database_restart_under_load_loses_no_acknowledged_event(application, django_db_blocker, mode, tmp_path):
    attendees = seed(application, django_db_blocker)
    with application.serve() as (base, _), phones(base, attendees, 20, tmp_path) as running:
        started = time.monotonic()
        time.sleep(6)
        down_at = time.monotonic() - started
        try:
            application.server.stop(mode)
            time.sleep(3)  # the outage
        finally:
            application.server.start()
        up_at = time.monotonic() - started
        result = finish(running)

    answers = result["answers"]
    during = [a for a in answers if down_at - 1 <= a["at"] <= up_at]
    unavailable = [a for a in answers if a["status"] == 503]
    assert unavailable, "the outage was not seen"
    assert all(a["code"] == "service_unavailable" for a in unavailable)
    assert max(a["seconds"] for a in during) < FAST_SECONDS, "requests waited during the outage"
    # No other failure: no 500, no dropped connection, no refusal.
    assert set(statuses(answers)) <= {200, 201, 409, 503}, statuses(answers)
    # A session opened just before the outage is found again by the phone's retry (409 names it).
    assert all(a["what"] == "open" for a in answers if a["status"] == 409)
    # Recovered by itself: once the database is back, the phones are answered again.
    after = [a for a in answers if a["at"] > up_at + 2]
    assert len(after) > 200
    assert set(statuses(after)) <= {200, 201}, statuses(after)
    assert_every_acknowledged_event_stored_once(result, application, attendees)


def test_a_worker_killed_under_load_loses_no_acknowledged_event(application, django_db_blocker, tmp_path):
    """With 100 phones and four workers, the killed one is almost always mid-request; the
    request it dropped (status 0) is sent again. Whether or not it was, nothing may be lost."""
    attendees = seed(application, django_db_blocker)
    with application.serve() as (base, master), phones(base, attendees, 15, tmp_path) as running:
        workers = workers_of(master.pid)
        time.sleep(5)
        os.kill(workers[0], signal.SIGKILL)
        time.sleep(2)
        replaced = workers_of(master.pid)
        result = finish(running)

    assert workers[0] not in replaced
    assert len(replaced) == len(workers), "gunicorn did not replace the killed worker"
    answers = result["answers"]
    # The killed worker's requests lose their connection (0) and are sent again; nothing else fails.
    assert set(statuses(answers)) <= {0, 200, 201, 409}, statuses(answers)
    assert_every_acknowledged_event_stored_once(result, application, attendees)


def test_two_phones_opening_a_session_at_once_make_one(application, django_db_blocker):
    """The same attendee's two phones (or a double tap) reach two workers at the same moment."""
    attendees = seed(application, django_db_blocker, count=20)
    with application.serve() as (base, _):
        outcomes: dict[str, list[int]] = {attendee["contact"]: [] for attendee in attendees}
        barrier = threading.Barrier(2 * len(attendees), timeout=30)

        def open_session(attendee: dict) -> None:
            request = urllib.request.Request(  # noqa: S310 (a loopback URL we built)
                f"{base}/api/v1/sessions/",
                data=json.dumps({"meeting_id": attendee["meeting"]}).encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {attendee['token']}"},
                method="POST",
            )
            barrier.wait()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    outcomes[attendee["contact"]].append(response.status)
            except urllib.error.HTTPError as error:
                outcomes[attendee["contact"]].append(error.code)

        threads = [threading.Thread(target=open_session, args=(a,)) for a in attendees for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert all(sorted(codes) == [201, 409] for codes in outcomes.values()), outcomes
    assert stored_sessions(application, attendees) == len(attendees)
