"""Sign-up rules: full shifts and overlapping sign-ups are refused with a reason."""

from datetime import UTC, datetime

from services.volunteers.domain.signup_rules import Slot, check_signup


def at(hour, minute=0):
    return datetime(2026, 12, 1, hour, minute, tzinfo=UTC)


MORNING = Slot("morning", at(7, 10), at(8))


def test_a_free_place_is_taken():
    assert check_signup(MORNING, capacity=2, filled=1, own_shifts=[]) is None


def test_a_full_shift_is_refused():
    assert check_signup(MORNING, capacity=2, filled=2, own_shifts=[]).code == "shift-full"


def test_an_overlapping_shift_is_refused():
    other = Slot("other", at(7, 30), at(9))
    refusal = check_signup(MORNING, capacity=5, filled=0, own_shifts=[other])
    assert refusal.code == "overlapping-shift" and "other" in refusal.detail


def test_back_to_back_shifts_do_not_overlap():
    assert check_signup(MORNING, 5, 0, [Slot("next", at(8), at(9))]) is None


def test_signing_up_twice_is_refused():
    assert check_signup(MORNING, 5, 1, [MORNING]).code == "already-signed-up"
