"""Requests to a server the tests started (gunicorn on loopback), as a phone or client sends them."""

import json
import urllib.error
import urllib.request


def post_json(url: str, body: dict, headers: dict[str, str] | None = None) -> int:
    """POST `body` as JSON to `url` (a loopback address we built); the answer's status."""
    request = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
