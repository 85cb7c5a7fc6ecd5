"""python -m tests.legacy DATABASE_URL: build a legacy database to try the adoption by hand."""

import sys

from tests.legacy.build import SIGN_IN_EMAIL, SIGN_IN_PASSWORD, build

if len(sys.argv) != 2:
    sys.exit("usage: python -m tests.legacy sqlite:////tmp/legacy.sqlite3 | postgres://user@host/db")
database = build(sys.argv[1])
print(f"Legacy database at Alembic revision 002 built: {database.counts}")
print(f"A legacy attendee: {SIGN_IN_EMAIL} / {SIGN_IN_PASSWORD!r}")
