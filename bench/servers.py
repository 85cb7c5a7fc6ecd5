"""Starting gunicorn for a benchmark, as production starts it, and looking at its workers."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(database_url: str) -> dict[str, str]:
    """The settings a production server runs with, on loopback (no TLS proxy here)."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-" + "x" * 50,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": "http://127.0.0.1",  # required with DEBUG off; no QR code is scanned here
        "HTTPS": "false",  # plain HTTP on loopback: no TLS proxy in front
        # The load generator is one address standing in for thousands of phones.
        "EVENT_RATE_PER_ADDRESS": "1000000/min",
        "ENV_FILE": "/dev/null",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "compliance.settings",
    }


@contextmanager
def gunicorn(
    app: str, database_url: str, *extra: str, environment: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve `app` (compliance.wsgi:application or bench.floor:application) on a free loopback
    port with the production gunicorn settings (and `environment` on top); yields (base URL,
    master process). The server's log (its stderr) goes to `log` when given."""
    port = free_port()
    # A file, not a pipe: nobody reads a pipe while the server runs, and once it is full every
    # worker that logs (a database outage logs each failed request) would block on it.
    with open(log, "w+") if log else tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG), "--bind", f"127.0.0.1:{port}", *extra, app],
            cwd=ROOT,
            env={**production_environment(database_url), **(environment or {})},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    stderr.seek(0)
                    raise RuntimeError(f"gunicorn exited: {stderr.read()[-2000:]}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start in 30 s") from None
                    time.sleep(0.1)
            time.sleep(0.5)  # let every worker boot
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def workers_of(master_pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the field after the command name (which may hold spaces).
            if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:
                children.append(int(entry.name))
    return children


def memory_kb(pid: int) -> dict[str, int]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values
