"""Which failures are outages: a dependency out of reach for a while, not a bug.

An outage is answered 503 with Retry-After (core/error_pages.py), so that clients try again;
anything else stays a logged 500. Only connection failures count: a missing table or a query
PostgreSQL cancels is also an OperationalError, and retrying it forever helps nobody.
"""

import sqlite3

from django.db import InterfaceError, OperationalError
from redis.exceptions import AuthenticationError, AuthorizationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# PostgreSQL SQLSTATEs of a server going away or not taking connections: class 08 (connection
# exception), admin/crash shutdown, starting up ("cannot connect now"), too many connections.
POSTGRESQL_OUTAGE_STATES = {"57P01", "57P02", "57P03", "53300"}
# What SQLite says when another writer holds the lock beyond the connection's timeout.
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")


def is_database_outage(error: BaseException) -> bool:
    if isinstance(error, InterfaceError):
        return True  # the connection is closed
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return str(cause).startswith(SQLITE_BUSY_MESSAGES)
    # psycopg: no SQLSTATE at all means the connection failed before the server answered.
    state = getattr(cause, "sqlstate", None)
    return state is None or state.startswith("08") or state in POSTGRESQL_OUTAGE_STATES


def is_cache_outage(error: BaseException) -> bool:
    # A wrong Redis password is a configuration error, not an outage to wait out.
    if isinstance(error, (AuthenticationError, AuthorizationError)):
        return False
    return isinstance(error, (RedisConnectionError, RedisTimeoutError))


def is_outage(error: BaseException | None) -> bool:
    return error is not None and (is_database_outage(error) or is_cache_outage(error))
