"""The court report for a mandate (README: "Mandates and compliance"): what it says, its
canonical encoding and digest, and issuing it (recording mandates.models.CourtReport).

A report is built once, when it is issued, and stored as its canonical content; every later
view of it (the screen, the PDF, the CSV) is drawn from that stored content, never recomputed,
so the paper a clerk holds always matches the digest /verify/<number>/ shows, even after a
session is re-judged.

Canonical encoding, version 1 (CONTENT_VERSION): the content below as JSON with sorted keys,
no whitespace (separators "," and ":"), non-ASCII written as UTF-8 (not escaped), encoded as
UTF-8; moments as ISO 8601 in UTC with a "Z" (2026-12-03T03:02:00Z), dates as YYYY-MM-DD,
distances and accuracies as whole metres, durations as whole minutes: no floats. The digest is
the SHA-256 of those bytes, in lowercase hex. Its top-level keys:

    format ("vc-court-report/1"), number, issued_at, agency {name, address, phone},
    prepared_by {name, role}, case_number, ordering_authority, contact {id, name},
    requirement, mandate {starts_on, ends_on, ended_on, end_reason, time_zone, period, qualifying},
    covers {from, to}, status {value, label, as_of}, periods [{number, starts_on, ends_on,
    required, attended, status, status_label}], sessions [{id, date, meeting, address,
    time_zone, scheduled_start, scheduled_end, check_in, check_out, ended, check_in_position,
    minutes_attended, minutes_scheduled, outcome, outcome_label, reasons, counts, note,
    distance_m, accuracy_m, period}], totals {...}, attended_means, policy_versions [{label,
    effective_from, rules [{name, label, meaning, value}]}].
"""

import base64
import datetime as dt
import hashlib
import json
import mimetypes
import secrets
import zoneinfo
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, Session, SessionEvent
from attendance.outcomes import Outcome
from attendance.reports import Period as Days
from attendance.reports import ReportRow, iter_report_rows
from attendance.services import verdict_of
from core.errors import DomainError
from core.links import public_url
from core.qr import SVG_DECLARATION, render_qr_svg
from mandates.models import CourtReport, Mandate, Period
from mandates.queries import compliance_of, worst_window
from mandates.status import MandateStatus, PeriodStatus
from policies.models import RULES, PolicyVersion, rule_in_words
from policies.services import PolicyError, in_force

CONTENT_VERSION = 1
FORMAT = f"vc-court-report/{CONTENT_VERSION}"

# Report numbers: "VC-" and three groups of four Crockford base32 characters (60 random bits):
# read aloud or typed from paper without confusing 0/O or 1/I/L, and not guessable.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_PREFIX = "VC"
NUMBER_GROUPS, GROUP_LENGTH = 3, 4


class ReportError(DomainError):
    """A report cannot be issued as asked; `context["field"]` names the field at fault."""

    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(code, detail, 400, field=field)


# --- Numbers -------------------------------------------------------------------------------------


def new_number() -> str:
    """A fresh random report number: "VC-7K3M-Q9XD-2HRT"."""
    groups = ("".join(secrets.choice(CROCKFORD) for _ in range(GROUP_LENGTH)) for _ in range(NUMBER_GROUPS))
    return "-".join((NUMBER_PREFIX, *groups))


def normalize_number(text: str) -> str | None:
    """A number as typed from paper ("vc 7k3m q9xd 2hrt", with O for 0 or I/L for 1) in its
    printed form, or None when it cannot be one."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if not compact.startswith(NUMBER_PREFIX):
        return None
    body = compact[len(NUMBER_PREFIX) :].translate(str.maketrans("OIL", "011"))
    if len(body) != NUMBER_GROUPS * GROUP_LENGTH or any(ch not in CROCKFORD for ch in body):
        return None
    groups = [body[i : i + GROUP_LENGTH] for i in range(0, len(body), GROUP_LENGTH)]
    return "-".join((NUMBER_PREFIX, *groups))


# --- Encoding ------------------------------------------------------------------------------------


def utc(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with "Z", to the second."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def canonical(content: dict[str, Any]) -> str:
    """The canonical text of `content` (the module's docstring, version 1)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest_of(text: str) -> str:
    """SHA-256 of the canonical text's UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Content -------------------------------------------------------------------------------------


def default_dates(mandate: Mandate, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The whole mandate up to today (in its zone): what the form offers first."""
    today = today or timezone.now().astimezone(mandate.zone).date()
    return mandate.starts_on, max(mandate.starts_on, min(mandate.last_day, today))


def check_dates(mandate: Mandate, covers_from: dt.date, covers_to: dt.date) -> None:
    """Raises ReportError naming the field unless the dates lie within the mandate's, in order."""
    if covers_from < mandate.starts_on:
        raise ReportError(
            "outside_mandate", f"The report cannot start before the order does ({mandate.starts_on}).", "covers_from"
        )
    if covers_to > mandate.last_day:
        raise ReportError(
            "outside_mandate", f"The report cannot end after the order's last day ({mandate.last_day}).", "covers_to"
        )
    if covers_to < covers_from:
        raise ReportError("invalid_dates", "The last day comes before the first.", "covers_to")


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else seconds // 60


def _metres(value: float | None) -> int | None:
    return None if value is None else round(value)


def attended_means(version: PolicyVersion) -> str:
    """What "attended" meant under `version`, as one paragraph for a judge (README: "What counts
    as attended"), with the version's own values."""
    rule = {name: rule_in_words(getattr(version, name), whole_metres=True) for name, _ in RULES}
    check_out_place = "at the meeting's place, like the check-in, and " if version.check_out_must_be_verified else ""
    # The default version is in force "from 1970": from the start, which needs no date.
    since = f" (in force from {version.effective_from:%B %-d, %Y})" if version.effective_from.year > 1970 else ""
    return (
        f"Under {version.label}{since}, a session is "
        f"“Attended” only when the attendee checked in with a phone position inside the meeting's check-in "
        f"radius, precise to {rule['max_accuracy_m']} or better, no earlier than {rule['check_in_opens_before']} "
        f"before the meeting's start and no later than {rule['on_time_after_start']} after it; checked out "
        f"{check_out_place}no earlier than {rule['check_out_from_before_end']} before the end; stayed at least "
        f"{rule['min_stay_percent']} of the scheduled time (at a place without set times, "
        f"{rule['min_stay_without_times']}); and every event reached the server within "
        f"{rule['max_send_delay']} of the phone's time. A session that falls short is “Partly attended” or "
        f"“Not verified”, with the reasons listed. Positions are measured by the server, never decided by "
        f"the phone."
    )


def _rules(version: PolicyVersion) -> list[dict[str, str]]:
    rows = []
    for name, meaning in RULES:
        label = str(PolicyVersion._meta.get_field(name).verbose_name)
        rows.append(
            {
                "name": name,
                "label": label[:1].upper() + label[1:],
                "meaning": meaning,
                "value": rule_in_words(getattr(version, name), whole_metres=True),
            }
        )
    return rows


def _versions_applied(mandate: Mandate, session_ids: list[str], now: dt.datetime) -> list[PolicyVersion]:
    """The policy versions the report's sessions were judged by; with none, the ordering
    authority's version in force now (what would apply)."""
    versions = list(
        PolicyVersion.objects.select_related("jurisdiction")
        .filter(pk__in=Session.objects.filter(pk__in=session_ids).values("policy_version_id"))
        .order_by("effective_from", "pk")
    )
    if versions:
        return versions
    try:
        return [in_force(mandate.jurisdiction_id, now)]
    except PolicyError:
        return []


def _deciding_check_ins(rows: list[ReportRow]) -> dict[str, SessionEvent]:
    """Each row's deciding check-in event (attendance.queries' definition, matched by the
    received time and flag the row carries): one query."""
    wanted = {row.session_id: row for row in rows if row.check_in_received_at is not None}
    found: dict[str, SessionEvent] = {}
    events = SessionEvent.objects.filter(session_id__in=list(wanted), type=EventType.CHECK_IN).select_related("session")
    for event in events.order_by("ts_server", "created_at", "id"):
        row = wanted[event.session_id]
        if event.ts_server == row.check_in_received_at and event.location_flag == row.check_in_flag:
            found.setdefault(event.session_id, event)
    return found


def _prepared_by(user: AbstractBaseUser) -> dict[str, str]:
    name = user.get_full_name().strip() or user.get_username()
    groups = sorted(user.groups.values_list("name", flat=True))
    return {"name": name, "role": ", ".join(groups) or "Staff member"}


def _qualifying(mandate: Mandate) -> str:
    """Which meetings count, in words: "Any meeting", "Alcoholics Anonymous meetings", "Hope Group"."""
    kinds = sorted(str(kind) for kind in mandate.meeting_kinds.all())
    meetings = sorted(meeting.name for meeting in mandate.meetings.all())
    parts = []
    if kinds:
        parts.append(", ".join(kinds) + " meetings")
    if meetings:
        parts.append(", ".join(meetings))
    return "; or ".join(parts) or "Any meeting"


def _moment(row: ReportRow) -> dt.datetime:
    # As mandates.counting.moment_expression: the occurrence's start, else when it opened.
    return row.occurrence_start or row.started_at


def build(
    mandate: Mandate,
    covers_from: dt.date,
    covers_to: dt.date,
    *,
    number: str,
    by: AbstractBaseUser,
    now: dt.datetime,
) -> dict[str, Any]:
    """The report's content (the module's docstring) at `now`, for the days `covers_from` to
    `covers_to` (in the mandate's zone, both included). Raises ReportError on dates outside
    the mandate's."""
    check_dates(mandate, covers_from, covers_to)
    zone = mandate.zone
    compliance = compliance_of(mandate, now)
    periods = [p for p in compliance.all_periods if p.starts_on <= covers_to and p.ends_on >= covers_from]
    if mandate.period == Period.ROLLING and periods:
        # The worst of the windows this report covers (the compliance pages name the worst of all).
        periods = [worst_window(periods)]
    period_of = {pk: period.number for period in periods for pk in period.session_ids}
    counted = {session.pk for session in compliance.counted}

    # A day wider either side: each session is then kept by its moment's date in the mandate's zone.
    days = Days(covers_from - dt.timedelta(days=1), covers_to + dt.timedelta(days=1))
    rows = [
        row
        for row in iter_report_rows(mandate.contact, days)
        if covers_from <= _moment(row).astimezone(zone).date() <= covers_to
    ]
    check_ins = _deciding_check_ins(rows)
    sessions = []
    for row in rows:
        event = check_ins.get(row.session_id)
        verdict = verdict_of(event.session, event) if event is not None else None
        counts = row.session_id in counted
        if counts:
            note = "Counts toward the order"
        elif row.outcome == Outcome.ATTENDED:
            note = "Does not count: not a qualifying meeting"
        else:
            note = "Does not count: not attended"
        sessions.append(
            {
                "id": row.session_id,
                "date": _moment(row).astimezone(zoneinfo.ZoneInfo(row.time_zone)).date().isoformat(),
                "meeting": row.place,
                "address": row.address,
                "time_zone": row.time_zone,
                "scheduled_start": utc(row.occurrence_start),
                "scheduled_end": utc(row.occurrence_end),
                "check_in": utc(row.check_in_at),
                "check_out": utc(row.check_out_at),
                "ended": utc(row.ended_at),
                "check_in_position": row.verification,
                "minutes_attended": _minutes(row.seconds_attended),
                "minutes_scheduled": _minutes(row.seconds_scheduled),
                "outcome": row.outcome,
                "outcome_label": row.outcome_label,
                "reasons": row.reason_labels,
                "counts": counts,
                "note": note,
                "distance_m": _metres(verdict.distance_m if verdict else None),
                "accuracy_m": _metres(event.accuracy if event else None),
                "period": period_of.get(row.session_id) if counts else None,
            }
        )

    versions = _versions_applied(mandate, [row.session_id for row in rows], now)
    outcomes = [row.outcome for row in rows]
    status = MandateStatus(compliance.status)
    return {
        "format": FORMAT,
        "number": number,
        "issued_at": utc(now),
        "agency": {
            "name": settings.REPORT_AGENCY_NAME,
            "address": settings.REPORT_AGENCY_ADDRESS,
            "phone": settings.REPORT_AGENCY_PHONE,
        },
        "prepared_by": _prepared_by(by),
        "case_number": mandate.case_number,
        "ordering_authority": mandate.jurisdiction.name,
        "contact": {"id": mandate.contact_id, "name": mandate.contact.full_name},
        "requirement": mandate.requirement,
        "mandate": {
            "starts_on": mandate.starts_on.isoformat(),
            "ends_on": mandate.ends_on.isoformat(),
            "ended_on": mandate.ended_on.isoformat() if mandate.ended_on else None,
            "end_reason": mandate.end_reason,
            "time_zone": zone.key,
            "period": mandate.period,
            "qualifying": _qualifying(mandate),
        },
        "covers": {"from": covers_from.isoformat(), "to": covers_to.isoformat()},
        "status": {"value": status.value, "label": status.label, "as_of": utc(now)},
        "periods": [
            {
                "number": p.number,
                "starts_on": p.starts_on.isoformat(),
                "ends_on": p.ends_on.isoformat(),
                "required": p.required,
                "attended": p.attended,
                "status": p.status.value,
                "status_label": PeriodStatus(p.status).label,
            }
            for p in periods
        ],
        "sessions": sessions,
        "totals": {
            "sessions": len(rows),
            "counted": sum(1 for s in sessions if s["counts"]),
            "attended": outcomes.count(Outcome.ATTENDED),
            "partial": outcomes.count(Outcome.PARTIAL),
            "not_verified": outcomes.count(Outcome.NOT_VERIFIED),
            "open": outcomes.count(Outcome.OPEN),
            "minutes_attended": sum(s["minutes_attended"] or 0 for s in sessions if s["counts"]),
            "periods": len(periods),
            "periods_met": sum(1 for p in periods if p.status == PeriodStatus.MET),
            "periods_missed": sum(1 for p in periods if p.status == PeriodStatus.MISSED),
        },
        "attended_means": " ".join(attended_means(version) for version in versions),
        "policy_versions": [
            {"label": v.label, "effective_from": utc(v.effective_from), "rules": _rules(v)} for v in versions
        ],
    }


# --- Issuing -------------------------------------------------------------------------------------


def _unused_number() -> str:
    # 60 random bits: a collision is a curiosity, but checking costs one indexed query.
    while CourtReport.objects.filter(number=(number := new_number())).exists():
        pass
    return number


def issue(
    mandate: Mandate,
    covers_from: dt.date,
    covers_to: dt.date,
    *,
    by: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> CourtReport:
    """Build the report for the days `covers_from` to `covers_to` and record it, in one
    transaction. Raises ReportError (nothing recorded) on dates outside the mandate's."""
    now = (now or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        number = _unused_number()
        content = build(mandate, covers_from, covers_to, number=number, by=by, now=now)
        text = canonical(content)
        return CourtReport.objects.create(
            number=number,
            mandate=mandate,
            issued_by=by,
            issued_at=now,
            covers_from=covers_from,
            covers_to=covers_to,
            parameters={"covers_from": covers_from.isoformat(), "covers_to": covers_to.isoformat()},
            agency_name=content["agency"]["name"],
            content=text,
            digest=digest_of(text),
            content_version=CONTENT_VERSION,
        )


# --- Reading an issued report --------------------------------------------------------------------


def _parse(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


# The content's keys shown as they are stored (strings, numbers, and dicts of them).
PLAIN_KEYS = (
    "number",
    "agency",
    "prepared_by",
    "case_number",
    "ordering_authority",
    "contact",
    "requirement",
    "mandate",
    "status",
    "totals",
    "attended_means",
    "policy_versions",
)


class Document:
    """An issued report as the screen, the PDF and the CSV show it: its stored content, with
    moments and dates as Python values (`content` keeps the canonical strings)."""

    def __init__(self, report: CourtReport, content: dict[str, Any]) -> None:
        self.report = report
        self.content = content
        for key in PLAIN_KEYS:
            setattr(self, key, content[key])
        mandate = content["mandate"]
        self.issued_at = _parse(content["issued_at"])
        self.covers_from = dt.date.fromisoformat(content["covers"]["from"])
        self.covers_to = dt.date.fromisoformat(content["covers"]["to"])
        self.starts_on = dt.date.fromisoformat(mandate["starts_on"])
        self.ends_on = dt.date.fromisoformat(mandate["ends_on"])
        self.ended_on = dt.date.fromisoformat(mandate["ended_on"]) if mandate["ended_on"] else None
        self.zone = mandate["time_zone"]
        self.periods = [
            p | {"starts_on": dt.date.fromisoformat(p["starts_on"]), "ends_on": dt.date.fromisoformat(p["ends_on"])}
            for p in content["periods"]
        ]
        self.sessions = [_session_lines(s) for s in content["sessions"]]
        self.zones = sorted({s["time_zone"] for s in content["sessions"]})


EN_DASH = "\u2013"
MOMENTS = ("scheduled_start", "scheduled_end", "check_in", "check_out", "ended")


def _clock(moment: dt.datetime | None, zone: zoneinfo.ZoneInfo, abbreviation: bool = True) -> str:
    """19:02 PST: the time of day where the meeting is, with its zone's abbreviation."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}" if abbreviation else f"{local:%H:%M}"


def _span(start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "19:00-20:30 PST" (with an en dash); both abbreviations when they differ (across a change
    of clocks)."""
    same = start.astimezone(zone).tzname() == end.astimezone(zone).tzname()
    return f"{_clock(start, zone, abbreviation=not same)}{EN_DASH}{_clock(end, zone)}"


def _attendance(s: dict[str, Any], zone: zoneinfo.ZoneInfo) -> str:
    """The check-in and check-out: "19:02-20:30 PST", "19:02 PST, ended 21:00 PST"."""
    check_in, check_out, ended = s["check_in"], s["check_out"], s["ended"]
    if check_in is None:
        return "No check-in" + (f", ended {_clock(ended, zone)}" if ended else "")
    if check_out is not None:
        return _span(check_in, check_out, zone)
    if ended is not None:
        return f"{_clock(check_in, zone)}, ended {_clock(ended, zone)}"
    return f"{_clock(check_in, zone)}, no check-out"


def _session_lines(stored: dict[str, Any]) -> dict[str, Any]:
    """One stored session with its moments as datetimes and its cells as the documents print
    them, computed once here rather than by template filters (a year has hundreds of rows)."""
    s = stored | {key: _parse(stored[key]) for key in MOMENTS} | {"date": dt.date.fromisoformat(stored["date"])}
    zone = zoneinfo.ZoneInfo(s["time_zone"])
    start, end = s["scheduled_start"], s["scheduled_end"]
    if start is None:
        scheduled = "No set time"
    elif end is None:
        scheduled = _clock(start, zone)
    else:
        scheduled = _span(start, end, zone)
    minutes = "—" if s["minutes_attended"] is None else str(s["minutes_attended"])
    if s["minutes_scheduled"]:
        minutes += f" of {s['minutes_scheduled']}"
    outcome = s["outcome_label"] + (": " + "; ".join(s["reasons"]) if s["reasons"] else "")
    if s["counts"]:
        outcome += f"; counts (period {s['period']})" if s["period"] else "; counts"
    else:
        outcome += "; not a qualifying meeting" if s["outcome"] == Outcome.ATTENDED else "; does not count"
    distance = "—" if s["distance_m"] is None else f"{s['distance_m']} m"
    accuracy = "" if s["accuracy_m"] is None else f" ±{s['accuracy_m']} m"
    return s | {
        "day_text": f"{s['date']:%-d %b %Y}",
        "scheduled_text": scheduled,
        "attendance_text": _attendance(s, zone),
        "minutes_text": minutes,
        "outcome_text": outcome,
        "position_text": distance + accuracy,
    }


def document(report: CourtReport) -> Document:
    return Document(report, json.loads(report.content))


def verification_url(report: CourtReport, request: HttpRequest | None = None) -> str:
    """The public address that confirms the report (core.links.public_url)."""
    return public_url(reverse("attendee:verify_report", args=[report.number]), request)


def logo_data_uri() -> str | None:
    """REPORT_LOGO_PATH embedded as a data: URI, or None without a logo."""
    if not settings.REPORT_LOGO_PATH:
        return None
    path = Path(settings.REPORT_LOGO_PATH)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{media_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data: URI, for an <img> sized by CSS on screen and on paper
    (the site's policy allows data: images; an inline <svg> keeps its own size in WeasyPrint)."""
    svg = SVG_DECLARATION + render_qr_svg(url)
    return f"data:image/svg+xml;base64,{base64.b64encode(svg.encode('utf-8')).decode('ascii')}"


def document_context(report: CourtReport, request: HttpRequest | None = None) -> dict[str, Any]:
    """What the report's templates need: the document, its verification address and QR code,
    and the letterhead's logo."""
    url = verification_url(report, request)
    return {
        "doc": document(report),
        "report": report,
        "verify_url": url,
        "qr_data_uri": qr_data_uri(url),
        "logo": logo_data_uri(),
    }


def matches(report: CourtReport) -> bool:
    """Whether the stored content still has the stored digest."""
    return digest_of(report.content) == report.digest
