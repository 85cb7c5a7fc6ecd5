"""What attendance tells the packages above it, without importing them (they import it).

`session_judged` is sent inside the transaction that stored a session's outcome (the session is
locked), with `session` and `using` (the database alias). Receivers that keep figures derived
from outcomes (mandates.counting) recount there, so the figures commit or roll back with it.
"""

from django.dispatch import Signal

session_judged = Signal()
