"""Build a database as the legacy system left it: Alembic revisions 001 and 002, then years of use.

The rows cover every session status, event type and location flag, with what the legacy
system really wrote: NULL `updated_at` on rows never updated, `created_at` from the database's
clock, raw bcrypt hashes, names beyond ASCII, e-mail addresses with capitals, a phone number
that is not E.164, sessions without a meeting, and timeout events with the coordinates the
legacy app stored anyway.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import bcrypt
from sqlalchemy import Engine, create_engine, insert, text

from tests.legacy import models as legacy

ALEMBIC_REVISION = "002"
SIGN_IN_EMAIL = "Zoe.Angstrom@Example.org"
SIGN_IN_PASSWORD = "legacy password 2019"

FIRST_NAMES = ["Zoë", "José", "Łukasz", "Siobhán", "Björn", "Ana", "Nguyễn", "Chloé", "Mikael", "Renée", "李", "Ayşe"]
LAST_NAMES = ["Ångström", "Muñoz", "Kowalczyk", "Ó Briain", "Sørensen", "Silva", "Văn An", "Dubois", "王", "Yılmaz"]  # noqa: RUF001
PLACES = [
    ("Café Zürich recovery group", "Bahnhofstrasse 1, 8001 Zürich", 47.3769, 8.5417),
    ("Réunion du lundi", "12 rue de Rivoli, 75004 Paris", 48.8556, 2.3522),
    ("Downtown AA", "100 Main St, Portland, OR 97204", 45.5152, -122.6784),
    ("Westside NA", "2200 SW 5th Ave, Portland, OR 97201", 45.5076, -122.6819),
    ("Probation class B", "401 N 2nd St, Harrisburg, PA 17101", 40.2610, -76.8826),
    ("Évaluation SMART", "5 Place Royale, Québec, QC G1K", 46.8125, -71.2034),
]


@dataclass
class LegacyDatabase:
    url: str
    counts: dict[str, int] = field(default_factory=dict)
    sign_in_contact_id: str = ""
    bad_phone_contact_id: str = ""
    open_session_id: str = ""
    sessions_of_sign_in_contact: list[str] = field(default_factory=list)


def sqlalchemy_url(database_url: str) -> str:
    """The SQLAlchemy spelling of a Django DATABASE_URL (psycopg 3 for PostgreSQL)."""
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url.removeprefix(prefix)
    return database_url


def create_schema(engine: Engine) -> None:
    """What `alembic upgrade head` did: 001 created the tables, 002 added the password hash."""
    with engine.begin() as conn:
        legacy.metadata.create_all(conn)
        conn.execute(text("ALTER TABLE contacts ADD COLUMN password_hash VARCHAR(255)"))
        conn.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:rev)"), {"rev": ALEMBIC_REVISION})


def build(database_url: str, *, contacts: int = 60, seed: int = 2019) -> LegacyDatabase:
    """Create the legacy schema in an empty database and fill it; returns what the tests need."""
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        create_schema(engine)
        with engine.begin() as conn:
            return _populate(conn, database_url, contacts, random.Random(seed))
    finally:
        engine.dispose()


def _populate(conn, database_url: str, contact_count: int, rng: random.Random) -> LegacyDatabase:
    result = LegacyDatabase(url=database_url)
    start = datetime(2021, 3, 1, 8, 0, tzinfo=UTC)
    # Cost 4 keeps the tests fast; the sign-in contact has the legacy default cost, 12.
    cheap_hash = bcrypt.hashpw(b"not used", bcrypt.gensalt(4)).decode()

    meeting_rows = []
    for index, (name, address, lat, lng) in enumerate(PLACES * 2):
        created = start + timedelta(days=index)
        meeting_rows.append(
            {
                "id": legacy.new_id(),
                "name": name if index < len(PLACES) else f"{name} (soir)",
                "description": None if index % 3 else "Salle 2, entrée côté cour",
                "address": address,
                "lat": lat + index * 0.0001,
                "lng": lng,
                "radius_meters": [100.0, 75.5, 250.0, 30.0][index % 4],
                "start_time": None if index % 2 else created + timedelta(hours=10),
                "end_time": None if index % 2 else created + timedelta(hours=11, minutes=30),
                "is_active": index != 3,
                # One meeting was made before QR codes existed.
                "qr_code": None if index == 5 else f"LEGACY-QR-{index:04d}",
                "created_by": None if index % 2 else legacy.new_id(),
                "created_at": created,
                "updated_at": None if index % 4 else created + timedelta(days=30),
            }
        )
    conn.execute(insert(legacy.meetings), meeting_rows)

    contact_rows = []
    for index in range(contact_count):
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        created = start + timedelta(days=index, minutes=index)
        contact_rows.append(
            {
                "id": legacy.new_id(),
                "email": f"attendee{index}@example.org",
                "phone": None if index % 5 == 0 else f"+1503555{index:04d}",
                "first_name": first if index % 7 else None,
                "last_name": last,
                "password_hash": cheap_hash if index % 3 == 0 else None,
                "ghl_contact_id": f"ghl_{index:05d}" if index % 2 else None,
                "consent_granted": index % 4 != 0,
                "consent_timestamp": None if index % 4 == 0 else created + timedelta(hours=1),
                "notes": None if index % 6 else "Überwiesen vom Bewährungshelfer — 12 Termine",
                "is_active": index % 10 != 9,
                "created_at": created,
                "updated_at": None if index % 5 else created + timedelta(days=2),
            }
        )
    signing_in = contact_rows[3]  # its latest session is checked_in
    signing_in.update(
        email=SIGN_IN_EMAIL,
        first_name="Zoë",
        last_name="Ångström",
        is_active=True,
        consent_granted=True,
        password_hash=bcrypt.hashpw(SIGN_IN_PASSWORD.encode(), bcrypt.gensalt(12)).decode(),
    )
    # Typed by staff in the legacy app before phones were validated.
    bad_phone = contact_rows[2]
    bad_phone.update(phone="555-0100 ext 4", is_active=True, consent_granted=False, consent_timestamp=None)
    bad_phone["password_hash"] = bcrypt.hashpw(SIGN_IN_PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    conn.execute(insert(legacy.contacts_002), contact_rows)
    # A few rows took their created_at from the database clock, as the legacy app's did.
    conn.execute(
        insert(legacy.contacts_002),
        [{"id": legacy.new_id(), "email": f"late{index}@example.org", "is_active": True} for index in range(3)],
    )
    result.sign_in_contact_id, result.bad_phone_contact_id = signing_in["id"], bad_phone["id"]

    session_rows, event_rows = [], []
    statuses = ["completed", "ended", "completed", "checked_in", "active"]
    for c_index, contact in enumerate(contact_rows):
        sessions_for_contact = 3 + c_index % 4
        for s_index in range(sessions_for_contact):
            last = s_index == sessions_for_contact - 1
            # Only the latest session may still be open: the legacy app read one open session.
            status = statuses[(c_index + s_index) % 5] if last else ["completed", "ended"][s_index % 2]
            meeting = None if (c_index + s_index) % 9 == 0 else rng.choice(meeting_rows)
            lat, lng = (meeting["lat"], meeting["lng"]) if meeting else (45.52 + rng.random() / 100, -122.68)
            created = start + timedelta(days=30 + c_index * 5 + s_index, hours=rng.randint(7, 19))
            session = {
                "id": legacy.new_id(),
                "contact_id": contact["id"],
                "meeting_id": meeting["id"] if meeting else None,
                "status": status,
                "dest_name": meeting["name"] if meeting else "Ad-hoc destination — Café",
                "dest_address": meeting["address"] if meeting else "1 Unknown Rd",
                "dest_lat": lat,
                "dest_lng": lng,
                "session_notes": None if s_index % 3 else "Arrivé en retard, bus annulé",
                "is_complete": status in ("completed", "ended"),
                "created_at": created,
                "updated_at": None if status == "active" else created + timedelta(hours=1, seconds=s_index),
            }
            session_rows.append(session)
            event_rows.extend(_events_for(session, created, rng))
    result.sessions_of_sign_in_contact = [s["id"] for s in session_rows if s["contact_id"] == signing_in["id"]]
    result.open_session_id = next(
        s["id"] for s in session_rows if s["contact_id"] == signing_in["id"] and s["status"] == "checked_in"
    )
    conn.execute(insert(legacy.sessions), session_rows)
    conn.execute(insert(legacy.session_events), event_rows)

    result.counts = {
        "contacts": len(contact_rows) + 3,
        "meetings": len(meeting_rows),
        "sessions": len(session_rows),
        "session_events": len(event_rows),
    }
    return result


def _events_for(session: dict, created: datetime, rng: random.Random) -> list[dict]:
    """The events the legacy app wrote for a session in this status."""
    status, lat, lng = session["status"], session["dest_lat"], session["dest_lng"]
    kinds: list[tuple[legacy.EventType, legacy.LocationFlag]] = []
    if status != "active":
        flag = rng.choice([legacy.LocationFlag.GRANTED] * 3 + [legacy.LocationFlag.DENIED, legacy.LocationFlag.TIMEOUT])
        kinds.append((legacy.EventType.CHECK_IN, flag))
        kinds.extend((legacy.EventType.LOCATION_UPDATE, rng.choice(list(legacy.LocationFlag))) for _ in range(2))
    if status == "completed":
        kinds.append((legacy.EventType.CHECK_OUT, legacy.LocationFlag.GRANTED))
    if status == "ended":
        kinds.append((legacy.EventType.STATUS_CHANGE, legacy.LocationFlag.GRANTED))
    events = []
    for index, (kind, flag) in enumerate(kinds):
        ts_server = created + timedelta(minutes=5 + 20 * index, microseconds=rng.randint(0, 999_999))
        timed_out = flag is legacy.LocationFlag.TIMEOUT
        events.append(
            {
                "id": legacy.new_id(),
                "session_id": session["id"],
                "type": kind,
                "ts_client": ts_server - timedelta(seconds=rng.randint(0, 40)),
                "ts_server": ts_server,
                # The legacy app had no way to store "no fix": timeouts carry 0, 0.
                "lat": 0.0 if timed_out else lat + rng.uniform(-0.002, 0.002),
                "lng": 0.0 if timed_out else lng + rng.uniform(-0.002, 0.002),
                "accuracy": None if timed_out or index % 4 == 3 else round(rng.uniform(3, 80), 1),
                "location_flag": flag,
                "notes": None if index % 2 else "Position reçue",
                "created_at": ts_server,
            }
        )
    return events
