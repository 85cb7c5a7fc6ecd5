"""The Redis on 127.0.0.1:6379, for tests that run gunicorn with it as the shared cache."""

import redis


def emptied(url: str) -> redis.Redis | None:
    """A client of the Redis database at `url`, emptied first; None when Redis is not running
    (.ci/run starts it; a developer's machine may not have it)."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        return None
    return client
