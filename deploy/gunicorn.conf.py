"""gunicorn's production settings:

    gunicorn -c deploy/gunicorn.conf.py compliance.wsgi

Sync workers, two per core plus one (the usual rule for work that waits on the database),
unless WEB_CONCURRENCY says otherwise. Command-line options (--bind, --workers) override these.
"""

import multiprocessing
import os

bind = "127.0.0.1:8000"  # behind the TLS proxy on the same machine
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request still running after 120 s is stuck and its worker is replaced. A check-in takes
# milliseconds, but a staff export of a million events streams for about half a minute
# (docs/benchmarks.md). Slow clients are the proxy's to buffer, not a sync worker's.
timeout = 120
graceful_timeout = 30
# Recycle workers now and then, so a slow leak cannot grow for weeks.
max_requests = 10_000
max_requests_jitter = 1_000
# The proxy on this machine sets X-Forwarded-Proto; trust it from there only.
forwarded_allow_ips = "127.0.0.1"
# No control socket (gunicorn 25+ opens one under $HOME by default): systemd signals the master
# (HUP reloads, TERM stops), the home directory is read-only under the unit's ProtectSystem, and
# several servers on one machine (tests, benchmarks) would share the same socket path.
control_socket_disable = True
# gunicorn's error log goes through the application's redaction too (core/logs.py).
logger_class = "compliance.gunicorn_logging.RedactingLogger"
