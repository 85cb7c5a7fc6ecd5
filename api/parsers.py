"""The API's only request parser: strict JSON that refuses hostile bodies with a 400, never a 500.

DRF's JSONParser lets through things that break later, far from the request: nesting deep enough
to exhaust Python's recursion limit (a RecursionError, answered 500), lone UTF-16 surrogates such
as "\\ud800" (valid JSON escapes, but not text: a field that does not refuse them passes them on
to a database that cannot store them), and a declared charset other than UTF-8. Here nesting and
bytes that are not UTF-8 are a `parse_error`, a lone surrogate is an `invalid` answer naming the
field, and another charset is a 415, all before any view sees the data.
"""

import codecs
import json
from typing import IO

from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, UnsupportedMediaType, ValidationError
from rest_framework.parsers import JSONParser

# The deepest a request body may nest. The API's bodies are flat objects (depth 1, 2 with a list
# value), so 32 leaves room for any client's envelope; and it stays far below Python's recursion
# limit (1000), which the json module's C scanner, DRF's validation and the error answer's
# rendering all count against, on top of the view's own call stack. A bound that only the
# recursion limit enforced would fail with a RecursionError somewhere, as a 500.
MAX_DEPTH = 32


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


TOO_DEEP, LONE_SURROGATE = "too_deep", "lone_surrogate"
SURROGATE_MESSAGE = "Not text: holds a lone UTF-16 surrogate (\\ud800 to \\udfff)."


def _problem(data: object, depth: int = 0) -> str | None:
    """TOO_DEEP if `data` (found at `depth`) nests deeper than MAX_DEPTH, LONE_SURROGATE if a
    key or string in it is not valid Unicode text, else None. Walks with an explicit stack, so
    that checking cannot recurse either."""
    stack = [(data, depth)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return LONE_SURROGATE
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            return TOO_DEEP
        stack.extend((child, depth + 1) for child in children if isinstance(child, str | dict | list))
    return None


def _surrogate_errors(data: object) -> dict[str, list[str]]:
    """The usual `errors` of a validation answer, naming each top-level field whose value holds a
    lone surrogate; anything else (a key, a body that is not an object) is `non_field_errors`.
    A key that is not text cannot be named: the answer itself must be valid UTF-8."""
    errors = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if _problem(key) is None and _problem(value, 1) is not None:
                errors[key] = [SURROGATE_MESSAGE]
    if not errors:
        errors["non_field_errors"] = [SURROGATE_MESSAGE]
    return errors


class StrictJSONParser(JSONParser):
    """application/json in UTF-8, as RFC 8259 requires; NaN and Infinity are refused (not JSON)."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: dict | None = None) -> object:
        _, params = parse_header_parameters(media_type or self.media_type)
        charset = params.get("charset")
        if charset is not None and not _is_utf8(charset):
            raise UnsupportedMediaType(media_type, detail=f'JSON must be UTF-8, not "{charset}".')
        body = stream.read()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not valid UTF-8 (byte {exc.start}).") from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            # The C scanner counts its depth against the interpreter's recursion limit and
            # fails cleanly; the check below would give the same answer for shallower bodies.
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        problem = _problem(data)
        if problem == TOO_DEEP:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
        if problem == LONE_SURROGATE:
            # Valid JSON, but not text (PostgreSQL cannot store it): a field error, like any bad value.
            raise ValidationError(_surrogate_errors(data))
        return data


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False
