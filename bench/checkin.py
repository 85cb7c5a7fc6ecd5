"""Check-in throughput and latency under gunicorn: the application beside the floor."""

import json
import subprocess
import sys
import tempfile

from bench.data import load_attendees
from bench.servers import ROOT, gunicorn

LEVELS = (1, 16, 64)
APPS = {"application": "compliance.wsgi:application", "floor": "bench.floor:application"}
REQUESTS_PER_ATTENDEE = 5  # a check-in and four location updates
# Before measuring, every worker loads its code and opens its database connection.
WARM_UP_REQUESTS = 200


def run_level(base: str, concurrency: int, requests: int) -> dict:
    plan = load_attendees(requests // REQUESTS_PER_ATTENDEE, base)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(plan, file)
        file.flush()
        finished = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "bench.load", file.name, str(concurrency)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    result = json.loads(finished.stdout)
    result["events_stored"] = _events_of([attendee["session"] for attendee in plan["attendees"]])
    return result


def _events_of(session_ids: list[str]) -> int:
    from attendance.models import SessionEvent

    return SessionEvent.objects.filter(session_id__in=session_ids).count()


def measure(database_url: str, requests: int) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {}
    for name, app in APPS.items():
        with gunicorn(app, database_url) as (base, _):
            run_level(base, 16, WARM_UP_REQUESTS)
            results[name] = []
            for concurrency in LEVELS:
                outcome = run_level(base, concurrency, requests)
                print(
                    f"  {name} c={concurrency}: {outcome['rps']:.0f} req/s, p95 {outcome['p95_ms']:.1f} ms",
                    file=sys.stderr,
                )
                results[name].append(outcome)
    return results
