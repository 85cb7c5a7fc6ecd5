"""factory-boy factories for every model. Coordinates are real places, never invented."""

import datetime as dt
from collections.abc import Iterable

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from contacts.models import Contact
from meetings.models import Meeting

# Portland, Oregon: Multnomah County Central Library.
PORTLAND = (45.51934, -122.68307)


def permissions_named(names: Iterable[str]) -> list[Permission]:
    """The permissions called "app_label.codename" ("meetings.view_meeting"), as
    `user.has_perm` names them. A name that matches no permission is an error, not nothing."""
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


class UserFactory(factory.django.DjangoModelFactory):
    """A user (not staff). `UserFactory(permissions=("meetings.view_meeting", ...))` gives them
    exactly these permissions: the one way the tests build a user with permissions."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def permissions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.user_permissions.add(*permissions_named(extracted))


class StaffUserFactory(UserFactory):
    """A staff member: `StaffUserFactory(permissions=("meetings.view_meeting", ...))`."""

    is_staff = True


class SuperUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"attendee{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # 555-0100 to 555-0199: the range reserved for fiction.
    phone = factory.Sequence(lambda n: f"+15035550{100 + n % 100}")
    consent_granted = False

    class Params:
        consenting = factory.Trait(
            consent_granted=True, consent_timestamp=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
        )


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    name = factory.Sequence(lambda n: f"Recovery group {n}")
    address = "801 SW 10th Ave, Portland, OR 97205"
    lat, lng = PORTLAND
    radius_meters = 100.0
    start_time = factory.LazyFunction(lambda: timezone.now().replace(minute=0, second=0, microsecond=0))
    end_time = factory.LazyAttribute(lambda m: m.start_time + dt.timedelta(hours=1))


class SessionFactory(factory.django.DjangoModelFactory):
    """A session at a meeting, with the destination copied from it as the API will do."""

    class Meta:
        model = Session

    contact = factory.SubFactory(ContactFactory, consenting=True)
    meeting = factory.SubFactory(MeetingFactory)
    status = SessionStatus.ACTIVE
    dest_name = factory.LazyAttribute(lambda s: s.meeting.name if s.meeting else "Destination")
    dest_address = factory.LazyAttribute(lambda s: s.meeting.address if s.meeting else "801 SW 10th Ave")
    dest_lat = factory.LazyAttribute(lambda s: s.meeting.lat if s.meeting else PORTLAND[0])
    dest_lng = factory.LazyAttribute(lambda s: s.meeting.lng if s.meeting else PORTLAND[1])
    # As attendance.services.start_session records it: the occurrence the session opened in or nearest.
    occurrence_start = factory.LazyAttribute(lambda s: _occurrence(s).start if _occurrence(s) else None)
    occurrence_end = factory.LazyAttribute(lambda s: _occurrence(s).end if _occurrence(s) else None)


def _occurrence(session: object) -> object:
    from meetings.occurrences import occurrence_at

    return occurrence_at(session.meeting, timezone.now()) if session.meeting else None


class SessionEventFactory(factory.django.DjangoModelFactory):
    """A verified check-in at the session's destination."""

    class Meta:
        model = SessionEvent

    session = factory.SubFactory(SessionFactory, status=SessionStatus.CHECKED_IN)
    type = EventType.CHECK_IN
    ts_client = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(seconds=2))
    ts_server = factory.LazyFunction(timezone.now)
    lat = factory.LazyAttribute(lambda e: e.session.dest_lat)
    lng = factory.LazyAttribute(lambda e: e.session.dest_lng)
    accuracy = 12.0
    location_flag = LocationFlag.GRANTED

    class Params:
        timed_out = factory.Trait(location_flag=LocationFlag.TIMEOUT, lat=None, lng=None, accuracy=None)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """An attendee's token. Its value is unknown to the test: use ApiToken.issue() to get one."""

    class Meta:
        model = "access.ApiToken"

    digest = factory.Sequence(lambda n: f"{n:064x}")
    prefix = factory.Sequence(lambda n: f"tok{n:05d}")
    contact = factory.SubFactory(ContactFactory)


class LegacyAdoptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "legacy.LegacyAdoption"

    alembic_revision = "002"
    row_counts = factory.LazyFunction(lambda: {"contacts": 3, "meetings": 1, "sessions": 4, "session_events": 9})


class SignInRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "access.SignInRecord"

    user = factory.SubFactory(StaffUserFactory)
    succeeded = True
    address = "198.51.100.7"
