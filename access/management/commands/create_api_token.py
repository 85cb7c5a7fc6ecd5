"""`manage.py create_api_token USERNAME`: a bearer token for a staff integration, shown once."""

import argparse
import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from access.models import ApiToken

NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


def positive_days(value: str) -> int:
    # ArgumentTypeError: argparse reports it as a usage error, and call_command as a CommandError.
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("a token must last at least 1 day")
    return days


class Command(BaseCommand):
    help = (
        "Create an API token for an active staff user (an integration such as a CRM) and print it. "
        "The token acts with that user's permissions. It is shown only once, alone on the last line "
        "of output, and only its digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The staff user the token acts as.")
        parser.add_argument("--name", default="", help="What the token is for, e.g. 'CRM integration'.")
        parser.add_argument(
            "--expires-days",
            type=positive_days,
            default=None,
            help="Days until the token expires (default: never; revoke it in the admin when it is no longer used).",
        )

    def handle(self, *args: Any, username: str, name: str, expires_days: int | None, **options: Any) -> None:
        user = staff_user(username)
        name = name.strip()
        if len(name) > NAME_MAX_LENGTH:
            raise CommandError(f"--name may be at most {NAME_MAX_LENGTH} characters.")
        lifetime = dt.timedelta(days=expires_days) if expires_days else None
        token, raw = ApiToken.issue(user=user, name=name, lifetime=lifetime)
        expires = (
            f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M %Z}"
            if token.expires_at
            else "never (revoke it in the admin when it is no longer used)"
        )
        # The token goes to this command's output only, never to a log: scripts read the last
        # line (`... | tail -n 1`), people read the lines above it.
        self.stdout.write(
            "\n".join(
                [
                    f'Created an API token for staff user "{username}"' + (f" ({name})." if name else "."),
                    f"  Prefix:  {token.prefix}",
                    f"  Expires: {expires}",
                    "It acts with this user's permissions. Send it as `Authorization: Bearer <token>`.",
                    "It is shown only now and cannot be retrieved later: store it in the integration's secrets.",
                    raw,
                ]
            )
        )


def staff_user(username: str) -> AbstractBaseUser:
    """The active staff user with this username; CommandError, saying why, for anyone else."""
    User = get_user_model()
    try:
        user = User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist:
        raise CommandError(f'There is no user named "{username}".') from None
    # The same checks as the token's own (ApiToken.objects.usable): a token that could not
    # authenticate must not be printed as if it worked.
    if not user.is_active:
        raise CommandError(f'User "{username}" is inactive; reactivate them in the admin first.')
    if not user.is_staff:
        raise CommandError(f'User "{username}" is not staff; only staff users may hold API tokens.')
    return user
