"""Volunteer profiles: skills with who confirmed them, availability, home community,
languages, limits against overwork and (for employed party members) a yearly quota."""

from __future__ import annotations

from shared.db import utcnow
from shared.errors import NotFound
from shared.kit import KitHandle

from ..repository import ShiftRepository, VolunteerProfile
from ..schemas import ProfileInput, ProfileOutput
from .common import load


def put_profile(kit: KitHandle, volunteer_id: str, payload: dict, actor_id: str) -> dict:
    """Create or replace a profile. A skill is confirmed by whoever the gateway names
    (staff confirm; a volunteer's own claim stays unconfirmed and counts for no shift)."""
    data = load(ProfileInput(), payload)
    with kit.unit_of_work() as uow:
        people = ShiftRepository(uow.session)
        if people.node(data["home_community"]) is None:
            raise NotFound("community-not-found", f"No community {data['home_community']}.")
        profile = people.profile(volunteer_id)
        if profile is None:
            profile = VolunteerProfile(id=volunteer_id)
            people.add(profile)
        for name, value in data.items():
            setattr(profile, name, value)
        profile.updated_by, profile.updated_at = actor_id, utcnow()
        uow.commit()
        return ProfileOutput().dump(profile)


def get_profile(kit: KitHandle, volunteer_id: str) -> dict:
    with kit.unit_of_work() as uow:
        profile = ShiftRepository(uow.session).profile(volunteer_id)
        if profile is None:
            raise NotFound("profile-not-found", f"No volunteer profile for {volunteer_id}.")
        return ProfileOutput().dump(profile)
