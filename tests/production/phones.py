"""Attendees' phones under load, run in a process of its own:

    python -m tests.production.phones PLAN.json  ->  one line of JSON with every answer

Each attendee in PLAN.json (bearer token, meeting, position) loops until `seconds` have passed:
open a session at the meeting, check in, send location updates, check out. Like the real
client, every event carries an id of its own, and a phone that gets no answer, or 503, sends
the same event again (same id) after a pause until it is acknowledged (201, or 200 for an
event the server already had). So an event the server stored but could not acknowledge is
acknowledged by the retry, and nothing is recorded twice.

The output lists every answer (what, status, when it started and how long it took, relative to
the start) and the ids of the acknowledged events, for the test to compare with the database.
"""

import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlparse

from bench.load import request

RETRY_PAUSE_SECONDS = 0.25
# However long the outage, a phone stops retrying this long after the run's end.
GIVE_UP_AFTER_SECONDS = 30
LOCATION_UPDATES = 3


class Phone:
    def __init__(self, plan: dict, attendee: dict, started: float, answers: list, acknowledged: list) -> None:
        address = urlparse(plan["base"])
        self.host, self.port = address.hostname, address.port
        self.attendee = attendee
        self.started = started
        self.answers = answers
        self.acknowledged = acknowledged
        self.give_up_at = started + plan["seconds"] + GIVE_UP_AFTER_SECONDS

    async def call(self, what: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        sent = time.monotonic() - self.started
        status, content, seconds = await request(self.host, self.port, method, path, self.attendee["token"], body)
        try:
            data = json.loads(content) if content else {}
        except ValueError:
            data = {}
        code = data.get("code") if isinstance(data, dict) else None
        self.answers.append({"what": what, "status": status, "at": sent, "seconds": seconds, "code": code})
        return status, data

    async def until_answered(self, what: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """Send again after no answer or 503, as a phone does; other answers are final."""
        while True:
            status, data = await self.call(what, method, path, body)
            if status not in (0, 503) or time.monotonic() > self.give_up_at:
                return status, data
            await asyncio.sleep(RETRY_PAUSE_SECONDS)

    async def open_session(self) -> str | None:
        status, data = await self.until_answered(
            "open", "POST", "/api/v1/sessions/", {"meeting_id": self.attendee["meeting"]}
        )
        if status == 201:
            return data["id"]
        if status == 409 and data.get("code") == "open_session_exists":
            return data["session_id"]  # a retry of an open the server had already done
        return None

    async def report(self, session: str, action: str) -> bool:
        event = {
            "id": str(uuid.uuid4()),
            "ts_client": datetime.now(UTC).isoformat(),
            "lat": self.attendee["lat"],
            "lng": self.attendee["lng"],
            "accuracy": 8.0,
        }
        status, data = await self.until_answered(action, "POST", f"/api/v1/sessions/{session}/{action}/", event)
        if status in (200, 201):
            assert data["id"] == event["id"], data
            self.acknowledged.append(event["id"])
            return True
        return False

    async def attend(self, seconds: float) -> None:
        while time.monotonic() - self.started < seconds:
            session = await self.open_session()
            if session is None:
                return
            for action in ["check-in", *["location"] * LOCATION_UPDATES, "check-out"]:
                if not await self.report(session, action):
                    return


async def run(plan: dict) -> dict:
    answers: list[dict] = []
    acknowledged: list[str] = []
    started = time.monotonic()
    phones = [Phone(plan, attendee, started, answers, acknowledged) for attendee in plan["attendees"]]
    await asyncio.gather(*(phone.attend(plan["seconds"]) for phone in phones))
    return {"wall_s": time.monotonic() - started, "answers": answers, "acknowledged": acknowledged}


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        loaded = json.load(file)
    print(json.dumps(asyncio.run(run(loaded))))
