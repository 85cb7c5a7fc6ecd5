"""Access to staff pages: signed in, staff status, and the Django model permission for the page."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def staff_view(*permissions: str) -> Callable:
    """Anonymous visitors go to the sign-in page; signed-in users without staff status or
    without every listed permission ("meetings.view_meeting") get 403. Permissions follow
    Django's groups, so a read-only role is a group with view permissions only."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not (request.user.is_active and request.user.is_staff and request.user.has_perms(permissions)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
