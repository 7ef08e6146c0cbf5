"""Attendance codes, minutes served, and the statement of verified service hours."""

from datetime import UTC, datetime

from services.volunteers.domain import hours


def at(hour, minute=0):
    return datetime(2026, 12, 1, hour, minute, tzinfo=UTC)


def test_the_code_the_lead_shows_opens_check_in_until_it_expires():
    code = hours.new_code()
    stored = hours.code_hash("shf-1", code)
    assert hours.code_matches("shf-1", code, stored, at(9), at(8, 59))
    assert not hours.code_matches("shf-1", code, stored, at(9), at(9, 1))


def test_a_code_is_valid_for_its_own_shift_only():
    code = hours.new_code()
    assert not hours.code_matches("shf-2", code, hours.code_hash("shf-1", code), at(9), at(8))


def test_minutes_served_are_counted_within_the_shift():
    assert hours.served_minutes(at(7, 10), at(8), at(7, 0), at(8, 30)) == 50
    assert hours.served_minutes(at(7, 10), at(8), at(7, 30), at(7, 45)) == 15
    assert hours.served_minutes(at(7, 10), at(8), at(9), at(9, 30)) == 0


def line(minutes, verified=True, **more):
    values = {
        "entry_id": "hrs-1",
        "volunteer_name": "李四",
        "volunteer_id": "acc-1",
        "organisation": "展览馆社区",
        "service": "交通引导",
        "place": "展览馆西路",
        "starts_at": at(7, 10),
        "ends_at": at(8),
        "minutes": minutes,
        "kind": "attendance",
        "note": "",
        "verified_by": "acc-staff" if verified else None,
        "verified_at": at(9) if verified else None,
        **more,
    }
    return hours.StatementLine(**values)


def test_only_verified_entries_count_and_corrections_add_up():
    lines = [line(50), line(-20, kind="correction"), line(90, verified=False)]
    assert hours.verified_total(lines) == 0.5


def test_the_csv_statement_has_the_record_fields_and_the_verified_total():
    csv = hours.statement_csv([line(50), line(30, verified=False)])
    header, *rows = csv.strip().splitlines()
    for title in ("志愿者姓名", "志愿服务组织", "服务内容", "服务地点", "服务时长", "核实人"):
        assert title in header
    assert rows[0].startswith("hrs-1,李四,acc-1,展览馆社区,交通引导,展览馆西路,")
    assert rows[-1].endswith(",0.83")
