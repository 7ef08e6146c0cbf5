"""Is a new report a duplicate of an open issue? Candidates share the category and community
and are still open; one matches when it is in the same building or compound, lies close by,
or has a very similar text. Chinese has no spaces, so text is compared as character bigrams.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NEARBY_METRES = 150.0
SIMILAR_TEXT = 0.5  # Jaccard similarity of character bigrams


@dataclass(frozen=True)
class Report:
    category: str
    title: str
    description: str = ""
    building: str | None = None
    compound: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Match:
    issue_id: str
    reason: str  # same-building | same-compound | nearby | similar-text
    score: float


def bigrams(text: str) -> set[str]:
    cleaned = re.sub(r"[\W_]+", "", text.lower())
    if len(cleaned) < 2:
        return {cleaned} if cleaned else set()
    return {cleaned[i : i + 2] for i in range(len(cleaned) - 1)}


def text_similarity(a: str, b: str) -> float:
    left, right = bigrams(a), bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


def match(new: Report, issue_id: str, candidate: Report) -> Match | None:
    """Why `candidate` may be the same problem as `new`, or None."""
    if candidate.category != new.category:
        return None
    if new.building and candidate.building == new.building:
        return Match(issue_id, "same-building", 1.0)
    if new.compound and candidate.compound == new.compound:
        return Match(issue_id, "same-compound", 0.9)
    if None not in (new.latitude, new.longitude, candidate.latitude, candidate.longitude):
        metres = distance_metres(
            new.latitude, new.longitude, candidate.latitude, candidate.longitude
        )
        if metres <= NEARBY_METRES:
            return Match(issue_id, "nearby", 0.8 * (1 - metres / NEARBY_METRES / 2))
    similarity = text_similarity(
        f"{new.title} {new.description}", f"{candidate.title} {candidate.description}"
    )
    if similarity >= SIMILAR_TEXT:
        # text alone is weaker evidence than a shared place
        return Match(issue_id, "similar-text", round(0.7 * similarity, 3))
    return None


def rank(new: Report, candidates: dict[str, Report], limit: int = 5) -> list[Match]:
    """The best matches first."""
    found = [m for issue_id, c in candidates.items() if (m := match(new, issue_id, c))]
    return sorted(found, key=lambda m: (-m.score, m.issue_id))[:limit]
