"""SQLite's LIKE, made to fold case as PostgreSQL does, so that searches answer the same on both.

Django compiles `icontains`, `iexact`, `istartswith` and `iendswith` (and so DRF's SearchFilter
and the admin's search_fields) to `UPPER(column) LIKE UPPER(pattern)` on PostgreSQL, and to
`column LIKE pattern ESCAPE '\\'` on SQLite, whose built-in LIKE folds ASCII letters only:
"ZOË" would find "Zoë" on PostgreSQL and nothing on SQLite. `register_functions` replaces
SQLite's like() with `like`, below, on every new connection.

PostgreSQL's UPPER() under a UTF-8 LC_CTYPE (C.UTF-8, en_US.UTF-8; not plain "C", which folds
ASCII only) maps each character to its single-character upper case (Unicode's "simple" mapping)
and leaves a character alone when that is several characters: "ß" stays "ß", where Python's
"ß".upper() is "SS". `fold` does the same.

Django's case-sensitive `contains`, `startswith` and `endswith` compile to the same LIKE on
SQLite and so stay case-insensitive there (as Django documents), unlike PostgreSQL; code that
searches uses the `i` lookups.
"""

import functools
import re
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

# What SQLite hands a user-defined function: one of its storage classes.
SQLiteValue = str | bytes | int | float | None


def fold_character(char: str) -> str:
    """`char` in upper case as PostgreSQL's UPPER() gives it: one character, itself if none."""
    upper = char.upper()
    if len(upper) == 1:
        return upper
    # Where the full upper case is several characters, Unicode's simple mapping (the one
    # PostgreSQL uses) is the title case when that is one character ("ᾳ" -> "ᾼ"), else none.
    title = char.title()
    return title if len(title) == 1 else char


def fold(text: str) -> str:
    """`text` in upper case, character by character, as PostgreSQL's UPPER() folds it."""
    upper = text.upper()
    # Same length: every character had a one-character upper case (the common case, fast).
    if len(upper) == len(text):
        return upper
    return "".join(map(fold_character, text))


@functools.lru_cache(maxsize=256)
def _compile(pattern: str, escape: str | None) -> re.Pattern[str]:
    """A LIKE pattern as a regular expression over folded text: `%` is any run of characters,
    `_` any one character, and the escape character makes the next one literal. A pattern
    ending with the escape character matches nothing, as in SQLite."""
    parts = []
    characters = iter(pattern)
    for char in characters:
        if char == escape:
            literal = next(characters, None)
            if literal is None:
                return re.compile(r"(?!)")
            parts.append(re.escape(fold(literal)))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(fold(char)))
    return re.compile("".join(parts), re.DOTALL)


def _as_text(value: SQLiteValue) -> str:
    # LIKE compares numbers and blobs by their text, as SQLite's own does.
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def like(pattern: SQLiteValue, value: SQLiteValue, escape: SQLiteValue = None) -> bool | None:
    """SQLite's `value LIKE pattern [ESCAPE escape]`, folding case as PostgreSQL's UPPER().

    NULL in any argument gives NULL. The escape, when given, must be one character, as SQLite
    requires (sqlite3.OperationalError otherwise)."""
    if pattern is None or value is None:
        return None
    if escape is not None:
        escape = _as_text(escape)
        if len(escape) != 1:
            raise ValueError("ESCAPE expression must be a single character")
    return _compile(_as_text(pattern), escape).fullmatch(fold(_as_text(value))) is not None


def register_functions(sender: type, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On each new SQLite connection, replace like() with ours (a connection_created receiver)."""
    if connection.vendor != "sqlite":
        return
    for arguments in (2, 3):
        connection.connection.create_function("like", arguments, like, deterministic=True)
