import secrets
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse


class Command(BaseCommand):
    help = (
        "Make sure a superuser can sign in to the staff site. Creates one with a random password "
        "(printed once) if there is none; never changes an existing user's password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="Username for a new superuser (default: admin).")
        parser.add_argument("--email", default="", help="Email address for a new superuser.")
        parser.add_argument(
            "--site-url",
            default="http://127.0.0.1:8000",
            help="Where the development server serves (make run passes http://HOST:PORT), for the printed links "
            "when PUBLIC_BASE_URL is not set. Default: runserver's own, http://127.0.0.1:8000.",
        )

    def handle(self, *args: Any, username: str, email: str, site_url: str, **options: Any) -> None:
        User = get_user_model()
        with transaction.atomic():
            existing = list(
                User._default_manager.filter(is_superuser=True, is_active=True)
                .order_by(User.USERNAME_FIELD)
                .values_list(User.USERNAME_FIELD, flat=True)
            )
            if not existing:
                password = new_password()
                create_superuser(username, email, password)
        base_url = settings.PUBLIC_BASE_URL or site_url.rstrip("/")
        lines = [
            f"Staff site: {base_url}{reverse('dashboard')}",
            f"Admin:      {base_url}{reverse('admin:index')}",
        ]
        if existing:
            several = len(existing) > 1
            lines += [
                f"{'Superusers already exist' if several else 'A superuser already exists'}: "
                f"{', '.join(existing)}. No password was changed.",
                f"To set a new password: {manage_py()} changepassword {'<username>' if several else existing[0]}",
            ]
        else:
            # The password goes to this command's output only, once: it is never logged or stored
            # in clear anywhere, and a second run does not show it again.
            lines += [
                f'Created superuser "{username}" for the staff site and the admin.',
                f"  Username:  {username}",
                f"  Password:  {password}",
                "This password is shown only now: keep it in a password manager.",
                f"To change it: {manage_py()} changepassword {username}",
            ]
        self.stdout.write("\n".join(lines))


def manage_py() -> str:
    """How to run manage.py with this interpreter, as typed in the project's directory:
    `.venv/bin/python manage.py` after `make run` (a bare `python` may lack Django)."""
    python = Path(sys.executable)
    if python.is_relative_to(settings.BASE_DIR):
        python = python.relative_to(settings.BASE_DIR)
    return f"{python} manage.py"


def new_password() -> str:
    """A random password of 24 URL-safe characters (144 bits), easy to copy from a terminal."""
    return secrets.token_urlsafe(18)


def create_superuser(username: str, email: str, password: str) -> None:
    """Create an active superuser; CommandError, with the reason, if the username or email is unusable."""
    User = get_user_model()
    if User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists():
        # Promoting somebody's existing account, or resetting its password, is not this
        # command's decision to make.
        raise CommandError(
            f'A user named "{username}" exists but is not an active superuser. Choose another --username, '
            "or give that user superuser status in the admin."
        )
    user = User(**{User.USERNAME_FIELD: username}, email=email, is_staff=True, is_superuser=True)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as error:
        raise CommandError("; ".join(error.messages)) from error
    user.save()
