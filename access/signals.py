"""Staff sign-ins and failures, recorded as SignInRecord rows (the admin lists them)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from access.limits import client_address
from access.models import SignInRecord


@receiver(user_logged_in)
def record_sign_in(sender: type, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    SignInRecord.objects.create(user=user, succeeded=True, address=client_address(request) if request else "")


@receiver(user_login_failed)
def record_failed_sign_in(sender: str, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = credentials.get("username") or ""
    user = get_user_model().objects.filter(username=username).first() if username else None
    SignInRecord.objects.create(user=user, succeeded=False, address=client_address(request) if request else "")
