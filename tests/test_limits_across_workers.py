"""The sign-in limit holds across gunicorn workers when the cache is Redis (CACHE_URL)."""

import threading
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.servers import gunicorn, workers_of
from tests.legacy.databases import connected_to, scratch_database
from tests.production.http import post_json
from tests.production.redis import emptied

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, emptied first


def redis_or_skip():
    client = emptied(REDIS_URL)
    if client is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    return client


def sign_in(base: str, password: str) -> int:
    return post_json(f"{base}/api/v1/auth/token/", {"email": "nobody@example.org", "password": password})


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_five_failures_spread_over_two_workers_lock_the_sixth_attempt(tmp_path, django_db_blocker):
    redis = redis_or_skip()
    with scratch_database("workers", tmp_path) as database:
        with connected_to(database, django_db_blocker):
            call_command("migrate", verbosity=0)
        environment = {"CACHE_URL": REDIS_URL, "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
        with gunicorn("compliance.wsgi:application", database.url, "--workers", "2", environment=environment) as (
            base,
            master,
        ):
            workers = workers_of(master.pid)
            before = {pid: cpu_ticks(pid) for pid in workers}
            # Five at once: both workers are busy hashing wrong passwords.
            statuses = []
            threads = [threading.Thread(target=lambda: statuses.append(sign_in(base, "wrong"))) for _ in range(5)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            served = [pid for pid in workers if cpu_ticks(pid) > before[pid]]

            sixth = sign_in(base, "wrong")

    assert len(workers) == 2
    assert sorted(statuses) == [401] * 5
    assert len(served) == 2, "both workers answered some of the failures"
    assert sixth == 429
    assert redis.keys("*sign-in:attendee*"), "the counts are in Redis"
