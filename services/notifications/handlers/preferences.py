"""A person's notification settings: locale, time zone, addresses, quiet hours, digest, and
per category × channel opt-outs."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.kit import KitHandle

from .. import templates
from ..domain import quiet_hours
from ..domain.digest import FREQUENCIES
from ..domain.rules import CATEGORIES, CHANNELS
from ..repository import DirectoryCopy, PeopleRepository, Person


def _view(person: Person, preferences) -> dict:
    return {
        "locale": person.locale,
        "timezone": person.timezone,
        "phone": person.phone,
        "email": person.email,
        "bot_url": person.bot_url,
        "quiet_hours": (
            {"start": person.quiet_start, "end": person.quiet_end}
            if person.quiet_start and person.quiet_end
            else None
        ),
        "digest": person.digest,
        "preferences": [
            {"category": row.category, "channel": row.channel, "enabled": row.enabled}
            for row in preferences
        ],
    }


def _check(changes: dict) -> None:
    errors: dict[str, list[str]] = {}
    if "locale" in changes and changes["locale"] not in templates.LOCALES:
        errors["locale"] = [f"one of {', '.join(templates.LOCALES)}"]
    if "timezone" in changes:
        try:
            ZoneInfo(str(changes["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = ["an IANA time zone such as Asia/Shanghai"]
    quiet = changes.get("quiet_hours")
    if quiet:
        for end in ("start", "end"):
            try:
                quiet_hours.parse_clock(str(quiet.get(end, "")))
            except ValueError:
                errors.setdefault("quiet_hours", []).append(f"{end} must be HH:MM")
    if "digest" in changes and changes["digest"] not in FREQUENCIES:
        errors["digest"] = [f"one of {', '.join(FREQUENCIES)}"]
    for row in changes.get("preferences") or ():
        if row.get("category") not in CATEGORIES or row.get("channel") not in CHANNELS:
            errors["preferences"] = [
                f"category in {', '.join(CATEGORIES)}; channel in {', '.join(CHANNELS)}"
            ]
    if errors:
        raise ValidationFailed("invalid-settings", "Some settings are not valid.", errors)


def get_settings(kit: KitHandle, account_id: str, name: str, role: str, scope: str) -> dict:
    with kit.unit_of_work() as uow:
        people = PeopleRepository(uow.session)
        person = _register(uow.session, account_id, name, role, scope)
        uow.commit()
        return _view(person, people.preferences(account_id))


def _register(session, account_id: str, name: str, role: str, scope: str) -> Person:
    """Whoever uses their inbox or settings is known here with their role and scope (this is
    how residents, who the gateway does not announce, become reachable as an audience)."""
    person = PeopleRepository(session).ensure(account_id, name, utcnow())
    DirectoryCopy(session).hold(account_id, role, scope)
    return person


def update_settings(
    kit: KitHandle, account_id: str, name: str, role: str, scope: str, changes: dict
) -> dict:
    """Apply the given settings; omitted ones stay as they are."""
    _check(changes)
    with kit.unit_of_work() as uow:
        people = PeopleRepository(uow.session)
        person = _register(uow.session, account_id, name, role, scope)
        for field in ("locale", "timezone", "phone", "email", "bot_url", "digest"):
            if field in changes:
                setattr(person, field, changes[field])
        if "quiet_hours" in changes:
            quiet = changes["quiet_hours"] or {}
            person.quiet_start, person.quiet_end = quiet.get("start"), quiet.get("end")
        for row in changes.get("preferences") or ():
            people.set_preference(account_id, row["category"], row["channel"], row["enabled"])
        person.updated_at = utcnow()
        uow.commit()
        return _view(person, people.preferences(account_id))
