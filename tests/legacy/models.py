"""The legacy models, as in ../shared/seed/schema-reference.md, with SQLAlchemy's defaults.

Revision 001 created the tables without `contacts.password_hash`; 002 added it at the end of
the table (see `build.create_schema`): `contacts` is the first, `contacts_002` the second.
"""

import enum
import uuid

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    func,
)

metadata = MetaData()


class EventType(enum.Enum):
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    LOCATION_UPDATE = "location_update"
    STATUS_CHANGE = "status_change"


class LocationFlag(enum.Enum):
    GRANTED = "granted"
    DENIED = "denied"
    TIMEOUT = "timeout"


def new_id() -> str:
    return str(uuid.uuid4())


def _contact_columns() -> list[Column]:
    return [
        Column("id", String(36), primary_key=True, default=new_id),
        Column("email", String(255), unique=True, nullable=False, index=True),
        Column("phone", String(20), nullable=True, index=True),
        Column("first_name", String(100), nullable=True),
        Column("last_name", String(100), nullable=True),
        Column("ghl_contact_id", String(100), unique=True, nullable=True, index=True),
        Column("consent_granted", Boolean, default=False, nullable=False),
        Column("consent_timestamp", DateTime(timezone=True), nullable=True),
        Column("notes", Text, nullable=True),
        Column("is_active", Boolean, default=True, nullable=False, index=True),
        Column("created_at", DateTime(timezone=True), server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), onupdate=func.now()),
    ]


# As revision 001 created it (create_all builds the schema from these tables) ...
contacts = Table("contacts", metadata, *_contact_columns())
# ... and as the legacy app wrote to it after revision 002 added the password hash.
contacts_002 = Table("contacts", MetaData(), *_contact_columns(), Column("password_hash", String(255), nullable=True))

meetings = Table(
    "meetings",
    metadata,
    Column("id", String(36), primary_key=True, default=new_id),
    Column("name", String(255), nullable=False, index=True),
    Column("description", Text, nullable=True),
    Column("address", String(500), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lng", Float, nullable=False),
    Column("radius_meters", Float, default=100.0, nullable=False),
    Column("start_time", DateTime(timezone=True), nullable=True),
    Column("end_time", DateTime(timezone=True), nullable=True),
    Column("is_active", Boolean, default=True, nullable=False, index=True),
    Column("qr_code", String(100), unique=True, nullable=True, index=True),
    Column("created_by", String(36), nullable=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), onupdate=func.now()),
    # The reference's index list has it; the model declares it in __table_args__.
    Index("ix_meetings_lat_lng", "lat", "lng"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True, default=new_id),
    Column("contact_id", String(36), ForeignKey("contacts.id"), nullable=False, index=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id"), nullable=True, index=True),
    Column("status", String(20), default="active", nullable=False, index=True),
    Column("dest_name", String(255), nullable=False),
    Column("dest_address", String(500), nullable=False),
    Column("dest_lat", Float, nullable=False),
    Column("dest_lng", Float, nullable=False),
    Column("session_notes", Text, nullable=True),
    Column("is_complete", Boolean, default=False, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), onupdate=func.now()),
    Index("ix_sessions_created_at", "created_at"),
)

session_events = Table(
    "session_events",
    metadata,
    Column("id", String(36), primary_key=True, default=new_id),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False, index=True),
    # Enum(PythonEnum) stores the member *names*: a native type on PostgreSQL, VARCHAR elsewhere.
    Column("type", Enum(EventType), nullable=False, index=True),
    Column("ts_client", DateTime(timezone=True), nullable=False),
    Column("ts_server", DateTime(timezone=True), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lng", Float, nullable=False),
    Column("accuracy", Float, nullable=True),
    Column("location_flag", Enum(LocationFlag), nullable=False, default=LocationFlag.GRANTED),
    Column("notes", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
    Index("ix_session_events_ts_server", "ts_server"),
)
