"""Log lines without secrets, as a second line of defence.

Nothing the application logs on purpose holds a secret. But Django logs every 4xx and 5xx with
the request's path ("Gone: /contacts/set-password/<token>/"), gunicorn logs the request line of
a request it had to abort, and an exception's message can quote what it was given. This
formatter, used by Django's and gunicorn's handlers, rewrites each finished line, traceback
included, for the secrets this application has: set-password tokens in paths, bearer and basic
credentials, and values named like a session cookie, CSRF token, password, token, secret or
API key (as name=value, name="value", or "name": "value").
"""

import logging
import re

REDACTED = "[redacted]"

# A name that says its value is secret: sessionid, csrftoken, password1, api_token, SECRET_KEY...
HIDDEN_NAMES = (
    r"(?:sessionid|session_?key|csrf[\w-]*|[\w-]*passw[\w-]*|[\w-]*token[\w-]*|[\w-]*secret[\w-]*|[\w-]*api_?key)"
)

SECRETS = [
    # The set-password link's token is the only credential its holder needs.
    (re.compile(r"(/set-password/)[^/\s\"'?#]+"), rf"\g<1>{REDACTED}"),
    # Credentials as sent in an Authorization header (an API token is 43 characters).
    (re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]{12,}"), rf"\g<1> {REDACTED}"),
    # "password": "...", 'token': '...' (JSON, Python reprs).
    (re.compile(rf"(?i)([\"'])({HIDDEN_NAMES})\1(\s*:\s*)([\"'])(?:\\.|(?!\4).)*\4"), rf"\1\2\1\3\4{REDACTED}\4"),
    # password="...", token='...'.
    (re.compile(rf"(?i)\b({HIDDEN_NAMES})=([\"'])(?:\\.|(?!\2).)*\2"), rf"\1=\2{REDACTED}\2"),
    # Cookies, query strings, form bodies: sessionid=...; password=...&
    (re.compile(rf"(?i)\b({HIDDEN_NAMES})=(?![\"'])[^;&\s,]+"), rf"\1={REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
