# Letters that look like ASCII ones (ı, the dotless i) are what these tests are about.
# ruff: noqa: RUF001, RUF003
"""Searches fold case in every script, and answer the same on SQLite and PostgreSQL.

PostgreSQL compares UPPER() of both sides, one character at a time; SQLite's own LIKE folds
ASCII only, so core/sqlite.py replaces it. Each search below runs on both databases with
the same expected answer: "ZOË" finds Zoë, "ИРИНА" finds Ирина, and "STRASSE" does not find
Straße (UPPER() leaves ß alone).
"""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from contacts.models import Contact
from tests.factories import ContactFactory, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db

PEOPLE = {
    "zoe": ("Zoë", "Ñúñez", "zoe.nunez@example.org"),
    "irina": ("Ирина", "Соколова", "irina.sokolova@example.org"),
    "lukasz": ("Łukasz", "Nowak", "l.nowak@example.org"),
    "jurgen": ("Jürgen", "Straße", "j.s@example.org"),
    "ibrahim": ("İbrahim", "Yılmaz", "i.y@example.org"),
    "bob": ("Bob", "Stone", "bob@example.org"),
}

# What each typed word finds, on every search below.
EXPECTED = {
    "ZOË": {"zoe"},
    "zoë": {"zoe"},
    "ÑÚÑEZ": {"zoe"},
    "ИРИНА": {"irina"},
    "ирина": {"irina"},
    "сОКОЛОВА": {"irina"},
    "ŁUKASZ": {"lukasz"},
    "łukasz": {"lukasz"},
    "JÜRGEN": {"jurgen"},
    "STRAßE": {"jurgen"},
    "ß": {"jurgen"},
    "STRASSE": set(),
    "İBRAHIM": {"ibrahim"},
    "ibrahim": set(),  # the upper case of i is I, not İ
    "yilmaz": {"ibrahim"},  # ı and i are both I in upper case
    "Bob": {"bob"},
}


@pytest.fixture
def people() -> dict[str, Contact]:
    """The contacts above, each with a session at a meeting named after them."""
    found = {}
    for index, (key, (first, last, email)) in enumerate(PEOPLE.items()):
        contact = ContactFactory(first_name=first, last_name=last, email=email)
        # The admin also searches QR codes: a random one could hold "bob" (digits cannot).
        meeting = MeetingFactory(
            name=f"{first} {last} group", address="801 SW 10th Ave, Portland", qr_code=f"{index:022d}"
        )
        SessionFactory(contact=contact, meeting=meeting, dest_name=f"{first} {last} group")
        found[key] = contact
    return found


def keys_of(names: set[str]) -> set[str]:
    by_name = {f"{first} {last}": key for key, (first, last, _) in PEOPLE.items()}
    return {by_name[name.removesuffix(" group")] for name in names}


def full_name(contact: Contact) -> str:
    return f"{contact.first_name} {contact.last_name}"


# --- Each search, as a function of the typed word returning the names it shows ------------------


def api_contacts(staff_api, client: Client, term: str) -> set[str]:
    rows = staff_api.get("/api/v1/contacts/", {"search": term}).json()["results"]
    return {f"{row['first_name']} {row['last_name']}" for row in rows}


def staff_contacts_page(staff_api, client: Client, term: str) -> set[str]:
    return {full_name(contact) for contact in client.get(reverse("contacts:list"), {"q": term}).context["page_obj"]}


def staff_sessions_page(staff_api, client: Client, term: str) -> set[str]:
    page = client.get(reverse("attendance:sessions"), {"q": term}).context["page_obj"]
    return {full_name(session.contact) for session in page or []}


def staff_sessions_by_place(staff_api, client: Client, term: str) -> set[str]:
    page = client.get(reverse("attendance:sessions"), {"place": term}).context["page_obj"]
    return {session.dest_name for session in page or []}


def report_contact_field(staff_api, client: Client, term: str) -> set[str]:
    response = client.get(reverse("attendance:report"), {"contact": term, "start": "2026-03-01", "end": "2026-03-07"})
    if response.context["report"] is not None:
        return {full_name(response.context["report"].contact)}
    return {full_name(contact) for contact in response.context["form"].candidates}


def staff_meetings_page(staff_api, client: Client, term: str) -> set[str]:
    return {meeting.name for meeting in client.get(reverse("meetings:list"), {"q": term}).context["page_obj"]}


def admin_search(model: str, show: Callable[[object], str]) -> Callable[[object, Client, str], set[str]]:
    def search(staff_api, client: Client, term: str) -> set[str]:
        response = client.get(reverse(f"admin:{model}_changelist"), {"q": term})
        assert response.status_code == 200
        return {show(row) for row in response.context["cl"].result_list}

    return search


SEARCHES = {
    "api-contacts": api_contacts,
    "staff-contacts": staff_contacts_page,
    "staff-sessions": staff_sessions_page,
    "staff-sessions-place": staff_sessions_by_place,
    "report-contact": report_contact_field,
    "staff-meetings": staff_meetings_page,
    "admin-contacts": admin_search("contacts_contact", full_name),
    "admin-meetings": admin_search("meetings_meeting", lambda meeting: meeting.name),
    "admin-sessions": admin_search("attendance_session", lambda session: full_name(session.contact)),
}


@pytest.fixture
def signed_in_client(client, api_staff_user, superuser):
    def for_search(name: str) -> Client:
        client.force_login(superuser if name.startswith("admin-") else api_staff_user)
        return client

    return for_search


@pytest.mark.parametrize("term", EXPECTED)
@pytest.mark.parametrize("search", SEARCHES)
def test_every_search_folds_case_in_every_script(people, staff_api, signed_in_client, search: str, term: str):
    found = SEARCHES[search](staff_api, signed_in_client(search), term)
    assert keys_of(found) == EXPECTED[term], f"{search} for {term!r} on {connection.vendor}"


@pytest.mark.parametrize(
    ("lookup", "value", "matches"),
    [
        ("iexact", "ZOË", True),
        ("iexact", "ZOE", False),
        ("istartswith", "ЖЁ", True),
        ("iendswith", "ЛТЫЙ", True),
        ("icontains", "ЁЛТ", True),
        ("icontains", "ß", False),  # the name holds no ß
        ("icontains", "%", False),  # wildcards typed are plain characters
        ("icontains", "_", False),
    ],
)
def test_case_insensitive_lookups_agree_on_both_databases(lookup: str, value: str, matches: bool):
    ContactFactory(first_name="zoë", last_name="Жёлтый")
    field = "first_name" if lookup == "iexact" else "last_name"
    assert Contact.objects.filter(**{f"{field}__{lookup}": value}).exists() is matches


def test_the_database_folds_every_character_as_sqlite_like_does():
    """core.sqlite.fold is PostgreSQL's UPPER() on this server, for every character; on
    PostgreSQL, a database whose LC_CTYPE is "C" (ASCII only) fails here."""
    from core.sqlite import fold

    if connection.vendor != "postgresql":
        pytest.skip("compares with PostgreSQL's UPPER()")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i, upper(chr(i)) FROM generate_series(1, 1114111) AS i WHERE i NOT BETWEEN 55296 AND 57343"
        )
        differing = [(hex(code), upper) for code, upper in cursor.fetchall() if fold(chr(code)) != upper]
    assert differing == []


# --- The LIKE function itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "pattern", "escape", "expected"),
    [
        ("Zoë Ñúñez", "%ZOË%", "\\", True),
        ("Straße", "STRASSE", None, False),
        ("ᾳ", "ᾼ", None, True),  # PostgreSQL's simple upper case, not Python's two letters
        ("100%", "100\\%", "\\", True),
        ("1000", "100\\%", "\\", False),
        ("a_b", "a\\_b", "\\", True),
        ("axb", "a\\_b", "\\", False),
        ("axb", "a_b", None, True),
        ("a\nb", "a%", None, True),
        ("back\\slash", "back\\\\slash", "\\", True),
        ("abc", "abc\\", "\\", False),  # a pattern ending with its escape matches nothing
        ("abc", "a!%", "!", False),
        ("a%", "a!%", "!", True),
        (42, "4_", None, True),
        (None, "%", None, None),
        ("abc", None, None, None),
    ],
)
def test_like(value, pattern, escape, expected):
    from core.sqlite import like

    arguments = (pattern, value) if escape is None else (pattern, value, escape)
    assert like(*arguments) is expected


def test_sqlite_like_is_ours_with_its_escape_and_nulls():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's LIKE")
    with connection.cursor() as cursor:
        cursor.execute(r"SELECT 'Łukasz' LIKE 'ŁUK%', 'Łukasz' LIKE 'ŁUK\%' ESCAPE '\', NULL LIKE 'a', 'a' LIKE NULL")
        assert cursor.fetchone() == (1, 0, None, None)
