"""A crawl of every URL pattern (staff pages, attendee pages, API, admin) with hostile values in
the path, the query string and form bodies: never a 5xx, never an error in the log.

The values are the kinds an outside review sent: NUL (which PostgreSQL's text columns cannot
hold), the UTF-8 encoding of a lone surrogate, an overlong encoding, bytes that are not UTF-8,
numbers beyond any column, very long strings.
"""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.factories import ContactFactory, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db

# Percent-encoded, as a client puts them on the wire.
HOSTILE = [
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate, UTF-8-encoded
    "%C0%80",  # an overlong NUL
    "%FF%FE",  # not UTF-8 at all
    "%F0%9F%92%A9",
    "99999999999999999999999",
    "-1",
    "x" * 2000,
    "..%2F..%2Fetc%2Fpasswd",
]
QUERY_NAMES = [
    "q",
    "search",
    "page",
    "page_size",
    "contact",
    "contact_id",
    "meeting",
    "status",
    "result",
    "date_from",
    "date_to",
    "created_after",
    "ts_server_after",
    "email",
    "ordering",
    "o",
    "active",
    "consent",
    "lat",
    "lng",
    "radius_km",
    "is_active",
    "next",
    "format",
]
STRING_PLACEHOLDER = "zzhostilezz"
NUMBER_PLACEHOLDER = 987654321


def named_patterns(patterns=None, namespace: str = "") -> list[tuple[str, list[str]]]:
    """Every named URL pattern as (reversible name, its parameters)."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((f"{namespace}{pattern.name}", list(pattern.pattern.regex.groupindex)))
    return sorted(set((name, tuple(params)) for name, params in found))


def paths_with(value: str) -> list[str]:
    """Each pattern's path with `value` (percent-encoded already) for each of its parameters."""
    paths = set()
    for name, params in named_patterns():
        if not params:
            continue
        for placeholder in (STRING_PLACEHOLDER, NUMBER_PLACEHOLDER):
            kwargs = {param: "json" if param == "format" else placeholder for param in params}
            try:
                path = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            paths.add(path.replace(str(placeholder), value))
            break
    return sorted(paths)


def plain_paths() -> list[str]:
    paths = []
    for name, params in named_patterns():
        if not params:
            try:
                paths.append(reverse(name))
            except NoReverseMatch:
                continue
    return sorted(set(paths))


@pytest.fixture
def superuser_client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def some_data(db):
    """Rows for the lists and filters to run their queries against."""
    SessionFactory(contact=ContactFactory(consenting=True), meeting=MeetingFactory())


def test_the_crawl_covers_every_part_of_the_site():
    names = {name for name, _ in named_patterns()}
    assert {"attendee:meeting", "contacts:detail", "meetings:detail", "admin:contacts_contact_change"} <= names
    assert any(name.startswith("api:") for name in names)
    assert len(paths_with("x")) > 30


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_path_ids_answer_4xx_everywhere(superuser_client, some_data, no_errors_logged, value):
    failures = []
    for path in paths_with(value):
        for client, method in ((superuser_client, "get"), (superuser_client, "post"), (Client(), "get")):
            response = getattr(client, method)(path, {"note": "x", "reason": "x"} if method == "post" else None)
            if response.status_code >= 500:
                failures.append((method, path[:120], response.status_code))
    assert failures == []


@pytest.mark.parametrize("value", ["%00", "a%00", "%ED%A0%80", "%C0%80", "9" * 30, "-1", "x" * 2000])
def test_hostile_query_strings_answer_4xx_or_a_page_everywhere(superuser_client, some_data, no_errors_logged, value):
    query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
    failures = []
    for path in plain_paths():
        response = superuser_client.get(f"{path}?{query}")
        if response.status_code >= 500:
            failures.append((path, response.status_code))
    assert failures == []


def test_a_nul_in_a_form_body_is_refused_naming_the_field(superuser_client, no_errors_logged):
    response = superuser_client.post(reverse("contacts:add"), {"email": "ann@example.org", "first_name": "A\x00n"})

    assert response.status_code == 400
    assert "first_name" in response.content.decode()


# --- The inputs the review sent, with their right answers -------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/q/a%00b/",
        "/api/v1/sessions/a%00/",
        "/api/v1/meetings/qr/a%00b/",
        "/attendance/a%00/",
        "/contacts/a%00/",
        "/meetings/a%00/",
        "/admin/contacts/contact/a%00/change/",
    ],
)
def test_a_nul_in_a_path_id_is_not_found(superuser_client, no_errors_logged, path):
    response = superuser_client.get(path)

    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json()["code"] == "not_found"


def test_a_nul_in_an_admin_filter_is_a_400(superuser_client, no_errors_logged):
    response = superuser_client.get("/admin/contacts/contact/?email=%00")

    assert response.status_code == 400


def test_a_nul_in_an_api_parameter_names_it(superuser_client, no_errors_logged):
    response = superuser_client.get("/api/v1/contacts/?search=a%00")

    assert response.status_code == 400
    assert response.json()["errors"] == {"search": ["Must not contain the NUL character."]}
