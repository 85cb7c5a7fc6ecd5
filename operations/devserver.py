"""`python -m operations.devserver HOST PORT`: can `make run` serve there? Says why not, and what to do.

Run before the migrations and demo data, so that a port another server holds is reported at once
and with the way out, not after a minute as runserver's bare "That port is already in use."
"""

import errno
import socket
import sys


def port_problem(host: str, port: str) -> str | None:
    """Why the development server could not listen on host:port, or None when it can."""
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"PORT must be a number from 1 to 65535, not {port!r}. For example: make run PORT=8001"
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            # As runserver's own socket does: a port left in TIME_WAIT by a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, int(port)))
    except socket.gaierror:
        return f"HOST {host!r} is not an address of this machine. For example: make run HOST=127.0.0.1"
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return (
                f"Port {port} on {host} is already in use: another server (perhaps another `make run`) "
                f"is listening there. Stop it, or serve on another port: make run PORT={int(port) + 1}"
            )
        return f"Cannot serve on {host}:{port}: {error.strerror}. Choose another: make run HOST=127.0.0.1 PORT=8001"
    return None


if __name__ == "__main__":
    problem = port_problem(*sys.argv[1:3])
    if problem:
        sys.exit(problem)
