"""Publishing policy versions and finding the one in force: the only writer of versions."""

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError
from policies.models import DEFAULT_JURISDICTION_ID, RULES, Jurisdiction, PolicyVersion

# How far ahead a version may take effect: a mistyped year would otherwise block every later
# version of the jurisdiction (each must take effect after the latest, and none is ever removed).
MAX_AHEAD = dt.timedelta(days=2 * 366)
RULE_FIELDS = tuple(field for field, _ in RULES)


class PolicyError(DomainError):
    """A version could not be published; nothing was stored."""

    EFFECTIVE_IN_PAST = "effective_in_past"
    EFFECTIVE_TOO_FAR = "effective_too_far"
    NOT_AFTER_LATEST = "not_after_latest"
    INVALID_RULE = "invalid_rule"
    NO_POLICY = "no_policy"

    def __init__(self, code: str, detail: str, **context: Any) -> None:
        super().__init__(code, detail, 409 if code == self.NO_POLICY else 400, **context)


def in_force(jurisdiction_id: str | None, at: dt.datetime) -> PolicyVersion:
    """The version of `jurisdiction_id` (None: the default jurisdiction) in force at `at` (UTC).

    Raises PolicyError `no_policy` when the jurisdiction had none then (a version published for
    the future only); the default jurisdiction's first version is in force from 1970."""
    jurisdiction_id = jurisdiction_id or DEFAULT_JURISDICTION_ID
    version = PolicyVersion.objects.select_related("jurisdiction").in_force(jurisdiction_id, at)
    if version is None:
        raise PolicyError(PolicyError.NO_POLICY, "No attendance policy was in force for this meeting at that time.")
    return version


def publish(
    jurisdiction: Jurisdiction,
    rules: dict[str, Any],
    *,
    effective_from: dt.datetime | None = None,
    notes: str = "",
    published_by: AbstractBaseUser | None = None,
) -> PolicyVersion:
    """Publish the next version of `jurisdiction`'s rules, effective from `effective_from`
    (default: now), which must be after the latest version's, not in the past and within two
    years.

    `rules` maps RULES' field names to values; a rule left out keeps the latest version's value.
    Raises PolicyError (`effective_in_past`, `effective_too_far`, `not_after_latest`,
    `invalid_rule`, each naming its `field`)."""
    now = timezone.now()
    effective_from = effective_from or now
    try:
        effective_from = effective_from.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:59-05:00: beyond the last UTC instant
        effective_from = dt.datetime.max.replace(tzinfo=dt.UTC)
    if effective_from < now:
        raise PolicyError(
            PolicyError.EFFECTIVE_IN_PAST,
            "A new version takes effect now or later: sessions already opened keep the rules they were told.",
            field="effective_from",
        )
    if effective_from > now + MAX_AHEAD:
        raise PolicyError(
            PolicyError.EFFECTIVE_TOO_FAR,
            "A new version takes effect within two years; publish a later one nearer the time.",
            field="effective_from",
        )
    unknown = set(rules) - set(RULE_FIELDS)
    if unknown:
        raise PolicyError(PolicyError.INVALID_RULE, f"Unknown rule: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    with transaction.atomic():
        # One publisher at a time per jurisdiction, so numbers follow one another.
        Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
        latest = PolicyVersion.objects.filter(jurisdiction=jurisdiction).order_by("-effective_from").first()
        if latest is not None and effective_from <= latest.effective_from:
            raise PolicyError(
                PolicyError.NOT_AFTER_LATEST,
                f"Version {latest.number} takes effect {latest.effective_from:%Y-%m-%d %H:%M} UTC; "
                "a new version must take effect after it.",
                field="effective_from",
            )
        values = {field: getattr(latest, field) for field in RULE_FIELDS} if latest is not None else {}
        values.update(rules)
        number = (PolicyVersion.objects.filter(jurisdiction=jurisdiction).aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion(
            jurisdiction=jurisdiction,
            number=number,
            effective_from=effective_from,
            notes=notes.strip(),
            published_by=published_by,
            **values,
        )
        check_rules(version)
        version.save()
        return version


def check_rules(version: PolicyVersion) -> None:
    """Refuse values no rule can mean (a negative duration, a share over 100%)."""
    for field in RULE_FIELDS:
        value = getattr(version, field)
        if isinstance(value, dt.timedelta) and not dt.timedelta(0) <= value <= dt.timedelta(days=7):
            raise PolicyError(PolicyError.INVALID_RULE, "Give a duration from 0 to 7 days.", field=field)
    if not 1 <= version.min_stay_percent <= 100:
        raise PolicyError(PolicyError.INVALID_RULE, "Give a share from 1 to 100%.", field="min_stay_percent")
    for field in ("default_radius_m", "max_accuracy_m"):
        value = getattr(version, field)
        if not (isinstance(value, int | float) and 0 < value <= 10_000):
            raise PolicyError(PolicyError.INVALID_RULE, "Give a distance above 0 and up to 10,000 m.", field=field)
