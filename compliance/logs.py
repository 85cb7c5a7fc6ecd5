"""Log lines without secrets: whatever a message or a traceback quotes, these never get out.

Django logs every 4xx and 5xx with the request's path ("Gone: /contacts/set-password/<token>/"),
and an exception's message can quote what it was given. The formatter rewrites the finished
line, traceback included, so no logger anywhere has to remember to leave secrets out.
"""

import logging
import re

REDACTED = "[redacted]"

SECRETS = [
    # The set-password link's token is the only credential its holder needs.
    (re.compile(r"(/set-password/)[^/\s\"'?#]+"), rf"\g<1>{REDACTED}"),
    # API tokens, as sent in an Authorization header.
    (re.compile(r"(?i)\b(bearer)\s+[\w.~+/=-]+"), rf"\g<1> {REDACTED}"),
    # Cookies, query strings and form bodies: sessionid=..., csrftoken=..., password=..., token=...
    (
        re.compile(r"(?i)\b([\w-]*(?:session|csrf|passw|token|secret|key)[\w-]*)=([^;&\s\"',]+)"),
        rf"\g<1>={REDACTED}",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
