"""gunicorn's own log, redacted like the application's (core/logs.py).

gunicorn writes the request line of a request it had to abort ("Error handling request GET
/contacts/set-password/<token>/"); deploy/gunicorn.conf.py names this class as its logger.
"""

from gunicorn.config import Config
from gunicorn.glogging import Logger

from core.logs import RedactingFormatter


class RedactingLogger(Logger):
    def setup(self, cfg: Config) -> None:
        # Called at start and again on every reload (HUP), which replaces the handlers.
        super().setup(cfg)
        for handler in self.error_log.handlers:
            current = handler.formatter or RedactingFormatter()
            handler.setFormatter(RedactingFormatter(current._fmt, current.datefmt))
