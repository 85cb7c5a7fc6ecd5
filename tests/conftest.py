import logging
import os
import shutil

import pytest

# Playwright's sync API keeps an event loop running in the test thread, and Django then
# refuses ORM calls from it unless told this is safe (it is: the tests are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import ContactFactory, StaffUserFactory, SuperUserFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache outlives a test's database: sign-in limits and the like start from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_errors_logged(caplog):
    """Fails the test if anything was logged at ERROR or above (a traceback, say) while it ran."""
    caplog.set_level(logging.ERROR)
    yield
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors][:5]


@pytest.fixture
def failing_cache(monkeypatch):
    """`failing_cache(error)`: every read and write of the shared cache raises `error`, as the
    Redis client does when Redis is down (ConnectionError) or refuses us (AuthenticationError)."""

    def fail(error: Exception) -> None:
        def raise_error(*args, **kwargs):
            raise error

        for method in ("get", "get_many", "set", "add", "incr", "delete"):
            monkeypatch.setattr(f"django.core.cache.cache.{method}", raise_error)

    return fail


@pytest.fixture
def superuser(db):
    return SuperUserFactory(username="root")


@pytest.fixture
def staff_user(db):
    """A staff member with no model permissions: may sign in to the admin, may see nothing."""
    return StaffUserFactory(username="staff")


@pytest.fixture
def attendee(db):
    return ContactFactory(consenting=True)


# --- API personas -----------------------------------------------------------------------------
# Every API test speaks as one of these. `staff` is a staff user with every model permission
# the API needs (not a superuser), so permission checks are really exercised.

API_MODELS = (
    "contacts.contact",
    "meetings.meeting",
    "attendance.session",
    "attendance.sessionevent",
    "mandates.mandate",
)
# "contacts.view_contact", "contacts.add_contact", ... for every API model.
API_PERMISSIONS = tuple(
    f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
    for label in API_MODELS
    for action in ("view", "add", "change", "delete")
)
API_VIEW_PERMISSIONS = tuple(name for name in API_PERMISSIONS if ".view_" in name)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def bearer_client(raw_token: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    return client


def staff_api_with(*permissions: str):
    """An API client holding the token of a staff user with exactly these permissions
    ("meetings.view_meeting", ...)."""
    from access.models import ApiToken

    _, raw = ApiToken.issue(user=StaffUserFactory(permissions=permissions), name="tests")
    return bearer_client(raw)


@pytest.fixture
def viewer_api(db):
    """A staff integration that may read everything and change nothing."""
    return staff_api_with(*API_VIEW_PERMISSIONS)


@pytest.fixture
def api_staff_user(db):
    return StaffUserFactory(username="api-staff", permissions=API_PERMISSIONS)


@pytest.fixture
def staff_api(api_staff_user):
    """An API client holding a staff token."""
    from access.models import ApiToken

    _, raw = ApiToken.issue(user=api_staff_user, name="tests")
    return bearer_client(raw)


@pytest.fixture
def attendee_api(attendee):
    """An API client holding the `attendee` fixture's token."""
    from access.models import ApiToken

    _, raw = ApiToken.issue(contact=attendee)
    return bearer_client(raw)


@pytest.fixture
def other_attendee(db):
    return ContactFactory(consenting=True)


@pytest.fixture
def other_attendee_api(other_attendee):
    from access.models import ApiToken

    _, raw = ApiToken.issue(contact=other_attendee)
    return bearer_client(raw)


def non_staff_user_api():
    """An API client signed in (by session: tokens are for staff only, ApiToken.objects.usable)
    as a user who holds every API permission but is not staff."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(UserFactory(is_staff=False, permissions=API_PERMISSIONS))
    return client


@pytest.fixture
def persona_client(request, api_client):
    """Look up a persona's client by name: anonymous, attendee, other_attendee, staff, viewer,
    staff_without_permissions (a staff token, no model permission) or non_staff_user."""

    def client_for(persona: str):
        return {
            "anonymous": lambda: api_client,
            "attendee": lambda: request.getfixturevalue("attendee_api"),
            "other_attendee": lambda: request.getfixturevalue("other_attendee_api"),
            "staff": lambda: request.getfixturevalue("staff_api"),
            "viewer": lambda: request.getfixturevalue("viewer_api"),
            "staff_without_permissions": staff_api_with,
            "non_staff_user": non_staff_user_api,
        }[persona]()

    return client_for


# --- Staff pages ------------------------------------------------------------------------------


@pytest.fixture
def staff_user_with(db):
    """`staff_user_with("meetings.view_meeting", ...)`: StaffUserFactory(permissions=...)."""

    def make(*permissions: str, **fields):
        return StaffUserFactory(permissions=permissions, **fields)

    return make


@pytest.fixture
def staff_client(client, api_staff_user):
    """The browser of a staff member with every permission the staff pages need."""
    client.force_login(api_staff_user)
    return client


def stored_rows() -> list[list[dict]]:
    """Every row of the apps' models and their audit trails, to check that nothing changed."""
    from django.apps import apps

    return [
        list(model.objects.order_by("pk").values())
        for label in ("contacts", "meetings", "attendance")
        for model in apps.get_app_config(label).get_models()
    ]


def every_permission() -> set[str]:
    """Every permission's "app_label.codename": staff holding all but one of a page's permissions
    find out whether the page checks that one (and not another, or only one of two)."""
    from django.contrib.auth.models import Permission

    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }


@pytest.fixture
def assert_staff_only(client, staff_user_with):
    """Check a staff page's access rules: anonymous visitors are sent to sign in; staff missing
    any one of the page's permissions (even holding every other one), staff with none, and
    non-staff users with all of them get 403, and none of these requests changes anything;
    staff with the permissions get `allowed_status`. Returns the allowed response."""

    def check(url: str, *permissions: str, method: str = "get", data: dict | None = None, allowed_status: int = 200):
        send = getattr(client, method)
        before = stored_rows()
        client.logout()
        response = send(url, data or {})
        assert response.status_code == 302, f"anonymous {method} {url}: {response.status_code}"
        assert response["Location"].startswith("/login/?next=")

        if permissions:
            client.force_login(staff_user_with())
            assert send(url, data or {}).status_code == 403, f"staff without {permissions}"
        for missing in permissions:
            client.force_login(staff_user_with(*(every_permission() - {missing})))
            assert send(url, data or {}).status_code == 403, f"staff with every permission but {missing}"

        client.force_login(UserFactory(is_staff=False, permissions=permissions))
        assert send(url, data or {}).status_code == 403, "non-staff user with the permissions"
        assert stored_rows() == before, "a refused request changed something"

        client.force_login(staff_user_with(*permissions))
        response = send(url, data or {})
        assert response.status_code == allowed_status, f"staff with {permissions}: {response.status_code}"
        return response

    return check


# --- Attendees' pages -------------------------------------------------------------------------


def sign_in_attendee(client, contact) -> None:
    """What signing in on the attendee's sign-in page leaves in the browser session."""
    from django.utils import timezone

    session = client.session
    session["attendee_contact_id"] = str(contact.pk)
    session["attendee_signed_in_at"] = timezone.now().timestamp()
    session.save()


# --- Browser tests ----------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items) -> None:
    # pytest-django's live server lives for the rest of the session once started, and on SQLite
    # it shares the in-memory test database's one connection with its threads; tests that point
    # that connection at another database (tests/legacy/databases.connected_to) cannot run after
    # it. So the tests that use it run last, in their usual order.
    items.sort(key=lambda item: "live_server" in getattr(item, "fixturenames", ()))
    if shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: {CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def new_context(browser):
    """`new_context(**options)`: a browser context, closed when the test ends.

    A context left open keeps its keep-alive connections to the live server until the browser
    quits at the end of the run, after the live server has stopped sharing the in-memory SQLite
    connection with its request threads: each thread then fails to close it
    (PytestUnhandledThreadExceptionWarning, "DatabaseWrapper objects created in a thread...").
    """
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; flags for a headless root container."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
        ],
    }
