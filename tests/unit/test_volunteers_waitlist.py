"""A cancellation promotes the longest-waiting person who still may take the place."""

from datetime import UTC, datetime, timedelta

from services.volunteers.domain.waitlist import Waiting, promote

T0 = datetime(2026, 12, 1, tzinfo=UTC)
LINE = [
    Waiting("w3", "c", T0 + timedelta(minutes=3)),
    Waiting("w1", "a", T0 + timedelta(minutes=1)),
    Waiting("w2", "b", T0 + timedelta(minutes=2)),
]


def test_first_come_first_served():
    assert [w.person_id for w in promote(LINE, 1, lambda _w: True)] == ["a"]


def test_as_many_move_up_as_places_opened():
    assert [w.person_id for w in promote(LINE, 2, lambda _w: True)] == ["a", "b"]


def test_someone_who_may_no_longer_take_the_place_is_skipped():
    promoted = promote(LINE, 1, lambda w: w.person_id != "a")
    assert [w.person_id for w in promoted] == ["b"]


def test_nobody_moves_when_no_place_opened():
    assert promote(LINE, 0, lambda _w: True) == []
