"""The demo data is written as real use writes it, so every page tells one story.

Invariants over the seeded database: each consent state has its history, each row's audit trail
starts with its creation at its created time, each session's events pass the state machine to
the session's status, and the staff pages say the same thing in both places.
"""

import datetime as dt
import html
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from attendance.models import EventType, LocationFlag, Session, SessionStatus
from attendance.services import TRANSITIONS, VerdictReason, judge_session, verdict_of
from contacts.models import Contact
from core.templatetags.staff import when
from meetings.models import Meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def first_record(row):
    return row.history.order_by("history_date", "history_id").first()


@pytest.mark.usefixtures("seeded")
def test_every_contacts_consent_state_is_its_latest_recorded_change():
    for contact in Contact.objects.all():
        latest = contact.consent_changes.order_by("-created_at").first()
        if latest is None:
            assert (contact.consent_granted, contact.consent_timestamp) == (False, None), contact
        else:
            assert (contact.consent_granted, contact.consent_timestamp) == (latest.granted, latest.created_at), contact
            # Given after enrolment, by the attendee on their phone.
            assert latest.created_at > contact.created_at
            assert (latest.source, latest.recorded_by) == ("attendee", None)
    assert Contact.objects.filter(consent_granted=True).exists()
    assert Contact.objects.filter(consent_granted=False).exists()


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("model", [Meeting, Contact, Session])
def test_every_rows_audit_trail_starts_with_its_creation_at_its_created_time(model):
    for row in model.objects.all():
        record = first_record(row)
        assert (record.history_type, record.history_date) == ("+", row.created_at), row
        assert row.history.filter(history_date__lt=row.created_at).count() == 0


@pytest.mark.usefixtures("seeded")
def test_every_sessions_events_replayed_through_the_state_machine_give_its_status():
    for session in Session.objects.select_related("meeting"):
        events = list(session.events.order_by("ts_server"))
        assert events, session
        assert session.created_at < events[0].ts_server, session
        status = SessionStatus.ACTIVE
        for event in events:
            allowed_from, next_status = TRANSITIONS[EventType(event.type)]
            assert status in allowed_from, f"{session}: {event.type} from {status}"
            if event.type == EventType.CHECK_IN and event.location_flag != LocationFlag.GRANTED:
                next_status = None
            status = next_status or status
            # Judged when recorded, under the session's policy version, and stored with the event.
            assert verdict_of(session, event).reason != VerdictReason.JUDGED_BY_LEGACY_SYSTEM
            assert event.policy_version_id == session.policy_version_id
            assert event.created_at == event.ts_server
        assert status == session.status, session


@pytest.mark.usefixtures("seeded")
def test_every_sessions_stored_outcome_is_the_judgement_of_its_events():
    for session in Session.objects.select_related("policy_version"):
        judged = judge_session(session)
        if session.is_open:
            # Judged when it closes; until then "open".
            assert (session.outcome, judged.outcome) == ("open", "open"), session
        else:
            assert session.attendance == judged, session


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("model", [Meeting, Contact])
def test_what_is_no_longer_active_was_deactivated_after_its_last_evidence(model):
    inactive = list(model.objects.filter(is_active=False))
    assert len(inactive) == 1
    for row in inactive:
        latest, before = row.history.order_by("-history_date", "-history_id")[:2]
        assert (before.is_active, latest.is_active) == (True, False)
        last_event = max(event.ts_server for session in row.sessions.all() for event in session.events.all())
        assert last_event < latest.history_date <= last_event + dt.timedelta(days=1)


def section(page: str, heading_id: str) -> str:
    """The text of the <section> labelled by `heading_id`, tags dropped."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert match, heading_id
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match[0])).split())


@pytest.mark.usefixtures("seeded")
def test_a_contacts_page_gives_one_consent_story(staff_client):
    for contact in Contact.objects.all():
        page = staff_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
        badge, history = section(page, "consent-heading"), section(page, "consent-history-heading")
        if contact.consent_granted:
            assert f"Consent given since {when(contact.consent_timestamp)}" in badge
            assert f"{when(contact.consent_timestamp)} Granted By the attendee" in history
        else:
            assert "No consent" in badge
            assert "since" not in badge
            assert "No consent recorded yet." in history


@pytest.mark.usefixtures("seeded")
def test_a_meetings_page_gives_one_creation_date(staff_client):
    for meeting in Meeting.objects.all():
        page = staff_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()

        assert f"<dt>Created</dt><dd>{when(meeting.created_at)}</dd>" in page
        history = section(page, "history-heading")
        assert history.endswith(f"{when(meeting.created_at)} Attendee or system Created"), history


def test_a_second_run_changes_no_history(seeded, settings):
    counts = {model: model.history.count() for model in (Meeting, Contact, Session)}

    call_command("seed_demo", stdout=StringIO())

    assert {model: model.history.count() for model in (Meeting, Contact, Session)} == counts


@pytest.mark.usefixtures("seeded")
def test_every_meeting_repeats_and_every_session_names_the_occurrence_it_was_for():
    assert all(Meeting.objects.values_list("recurrence", flat=True))
    for session in Session.objects.all():
        assert session.occurrence_start is not None, session
        assert session.occurrence_start - dt.timedelta(minutes=30) <= session.created_at < session.occurrence_end
