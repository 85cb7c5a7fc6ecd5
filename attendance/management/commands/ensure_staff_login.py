import secrets

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

    def handle(self, *args, username: str, email: str, **options) -> None:
        User = get_user_model()
        admin_url = settings.PUBLIC_BASE_URL + reverse("admin:index")
        with transaction.atomic():
            existing = list(
                User._default_manager.filter(is_superuser=True, is_active=True)
                .order_by(User.USERNAME_FIELD)
                .values_list(User.USERNAME_FIELD, flat=True)
            )
            if existing:
                self._report_existing(existing, admin_url)
                return
            password = new_password()
            create_superuser(username, email, password)
        # The password goes to this command's output only, once: it is never logged or stored
        # in clear anywhere, and a second run does not show it again.
        self.stdout.write(
            "\n".join(
                [
                    f'Created superuser "{username}" for the staff site.',
                    f"  Admin URL: {admin_url}",
                    f"  Username:  {username}",
                    f"  Password:  {password}",
                    "This password is shown only now: keep it in a password manager.",
                    f"To change it: python manage.py changepassword {username}",
                ]
            )
        )

    def _report_existing(self, usernames: list[str], admin_url: str) -> None:
        self.stdout.write(
            "\n".join(
                [
                    f"{'A superuser already exists' if len(usernames) == 1 else 'Superusers already exist'}: "
                    f"{', '.join(usernames)}. No password was changed.",
                    f"  Admin URL: {admin_url}",
                    f"To set a new password: python manage.py changepassword "
                    f"{usernames[0] if len(usernames) == 1 else '<username>'}",
                ]
            )
        )


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
