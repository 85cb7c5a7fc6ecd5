"""The load generator, run in a process of its own:

    python -m bench.load PLAN.json CONCURRENCY  ->  one line of JSON with the results

PLAN.json holds the server's address and the attendees, each with a bearer token and an open
session at a meeting. CONCURRENCY virtual phones take attendees in turn; each sends its
attendee's check-in, then location updates, one request after another, as a phone does. Every
request is a new HTTP/1.1 connection (`Connection: close`), as gunicorn's sync workers serve
them. Latency is measured from opening the connection to the last byte of the answer.

A plain asyncio client, not a load-testing library: it needs a fixed number of requests for
distinct attendees in order, and nothing on this machine's package index does that better.
"""

import asyncio
import json
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlparse

TIMEOUT_SECONDS = 30


async def request(
    host: str, port: int, method: str, path: str, token: str, body: dict | None = None
) -> tuple[int, bytes, float]:
    """(HTTP status, or 0 when the connection failed or timed out; the response body; seconds taken)."""
    payload = b"" if body is None else json.dumps(body).encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    started = time.perf_counter()
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(head.encode() + payload)
            await writer.drain()
            response = await reader.read()
            writer.close()
        status = int(response.split(b" ", 2)[1])
        content = response.partition(b"\r\n\r\n")[2]
    except (OSError, TimeoutError, IndexError, ValueError):
        status, content = 0, b""
    return status, content, time.perf_counter() - started


async def send(host: str, port: int, path: str, token: str, body: dict) -> tuple[int, float]:
    """POST `body`: (HTTP status, or 0 for a failure; seconds taken)."""
    status, _, seconds = await request(host, port, "POST", path, token, body)
    return status, seconds


def report_body(attendee: dict) -> dict:
    return {
        "ts_client": datetime.now(UTC).isoformat(),
        "lat": attendee["lat"],
        "lng": attendee["lng"],
        "accuracy": 8.0,
    }


async def phone(queue: asyncio.Queue, host: str, port: int, updates: int, results: list) -> None:
    while True:
        try:
            attendee = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        base = f"/api/v1/sessions/{attendee['session']}"
        for action in ["check-in", *["location"] * updates]:
            results.append(await send(host, port, f"{base}/{action}/", attendee["token"], report_body(attendee)))


async def run(plan: dict, concurrency: int) -> dict:
    address = urlparse(plan["base"])
    queue: asyncio.Queue = asyncio.Queue()
    for attendee in plan["attendees"]:
        queue.put_nowait(attendee)
    results: list[tuple[int, float]] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(phone(queue, address.hostname, address.port, plan["updates"], results) for _ in range(concurrency))
    )
    wall = time.perf_counter() - started
    latencies = sorted(seconds * 1000 for _, seconds in results)
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
    statuses = Counter(status for status, _ in results)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "concurrency": concurrency,
        "requests": len(results),
        "wall_s": wall,
        "rps": len(results) / wall,
        "p50_ms": percentiles[49],
        "p95_ms": percentiles[94],
        "p99_ms": percentiles[98],
        "ok_2xx": sum(count for status, count in statuses.items() if 200 <= status < 300),
        "errors": sum(count for status, count in statuses.items() if not 200 <= status < 300),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "client_cpu_s": usage.ru_utime + usage.ru_stime,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        loaded = json.load(file)
    print(json.dumps(asyncio.run(run(loaded, int(sys.argv[2])))))
