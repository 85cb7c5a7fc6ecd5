"""A PostgreSQL server of the test's own, to stop and start while the application serves.

The fault tests restart the database under load; doing that to the machine's shared server
would pull it from under everything else. This one lives in a temporary directory, listens on
a free loopback port, and is removed afterwards. `fsync=off` makes it quick; it changes nothing
the tests rely on: a stopped or killed server loses no committed transaction while the
operating system keeps running (only a machine crash would), and commits stay synchronous.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.servers import free_port


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian's layout), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _as_owner() -> list[str]:
    # initdb refuses to run as root; the Debian package's postgres user owns the data instead.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class Server:
    bin: Path
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            [*_as_owner(), str(self.bin / "pg_ctl"), "-D", str(self.data), *arguments],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=60"
        )
        self._pg_ctl("-o", options, "-l", str(self.directory / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` is a restart by an operator or systemd; `immediate` is the server crashing."""
        self._pg_ctl("-m", mode, "-w", "stop")


@contextmanager
def throwaway_postgres() -> Iterator[Server]:
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin)")
    # Not pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    directory = Path(tempfile.mkdtemp(prefix="compliance-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = Server(bin_dir, directory, free_port())
    initdb = bin_dir / "initdb"
    try:
        subprocess.run(
            [*_as_owner(), str(initdb), "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            server.stop("immediate")
        time.sleep(0.1)
        shutil.rmtree(directory, ignore_errors=True)
