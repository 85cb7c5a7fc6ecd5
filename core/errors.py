"""The one shape of a refusal by a domain rule, for every interface to translate.

A service raises a DomainError; the API answers it as JSON (`detail`, `code` and the error's
`context`) with its `http_status`, a page shows its `detail`. Nothing is stored when one is raised.
"""

from typing import Any


class DomainError(Exception):
    """A rule refused the operation; nothing was stored.

    `code` is machine-readable and stable (API clients branch on it); `detail` is for a person;
    `http_status` is the HTTP status an interface answers with; `context` carries what the caller may
    need to act on it, such as the id of the session that is already open.
    """

    def __init__(self, code: str, detail: str, http_status: int = 400, **context: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.http_status = http_status
        self.context = context
