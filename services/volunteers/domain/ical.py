"""iCalendar (RFC 5545) feeds: a volunteer's shifts, an activity's occurrences. Calendar apps
update the events by UID when shifts move."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event


@dataclass(frozen=True)
class FeedItem:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None = None
    description: str = ""
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE (proposed by the roster), CANCELLED


def feed(name: str, items: Iterable[FeedItem], stamp: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Pavilion//volunteers//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for item in items:
        event = Event()
        event.add("uid", f"{item.uid}@pavilion")
        event.add("summary", item.title)
        event.add("dtstart", item.starts_at)
        event.add("dtend", item.ends_at)
        event.add("dtstamp", stamp)
        event.add("status", item.status)
        if item.place:
            event.add("location", item.place)
        if item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    return calendar.to_ical()
