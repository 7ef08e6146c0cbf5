"""Volunteers through the public API (embedded Pavilion): sign-up rules with their reasons,
waitlists, staff overrides, recurring activities on the school calendar, and automatic
rosters that volunteers confirm or decline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from icalendar import Calendar

from tests.support.processes import wait_until
from tests.support.scenario import ZHANLANGUAN

LUOYAN = "150104001001"  # left to the roster tests: no other test puts volunteers there


def staff(api, scope=ZHANLANGUAN):
    return api.headers("social_worker", scope, "张丽")


def volunteer(api, name, scope=ZHANLANGUAN):
    return api.headers("volunteer", scope, name)


def account_id(api, headers) -> str:
    return api.get("/v1/me", headers=headers).json()["id"]


def put_profile(api, volunteer_id, headers, **body):
    body = {"name": "志愿者", "home_community": ZHANLANGUAN, **body}
    return requests.put(
        f"{api.url}/v1/volunteers/{volunteer_id}/profile", json=body, headers=headers, timeout=15
    )


def new_shift(api, start, end, capacity=1, community=ZHANLANGUAN, **more):
    body = {"title": "早高峰交通引导", "starts_at": start, "ends_at": end, "capacity": capacity}
    response = api.post(
        f"/v1/communities/{community}/shifts", json={**body, **more}, headers=staff(api, community)
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def sign_up(api, shift_id, headers, **body):
    return api.post(f"/v1/shifts/{shift_id}/signups", json=body, headers=headers)


@pytest.fixture(scope="module")
def api(embedded):
    # the volunteers service has its own copy of the directory: wait until it knows Luoyan
    probe = staff(embedded, LUOYAN)
    wait_until(
        lambda: put_profile(embedded, "probe", probe, home_community=LUOYAN).status_code == 200,
        30,
        interval=0.3,
        message="directory copy in the volunteers service",
    )
    return embedded


def test_a_shift_needing_a_qualification_takes_only_volunteers_whose_skill_staff_confirmed(api):
    shift = new_shift(
        api,
        "2026-12-07T07:10:00+08:00",
        "2026-12-07T08:00:00+08:00",
        required_skills=["first_aid"],
    )
    medic = volunteer(api, "急救员小赵")
    refused = sign_up(api, shift, medic)
    assert refused.status_code == 409 and refused.json()["code"] == "missing-qualification"
    assert "first_aid" in refused.json()["detail"]

    own_claim = put_profile(api, account_id(api, medic), medic, skills=[{"skill": "first_aid"}])
    assert own_claim.json()["skills"] == [{"skill": "first_aid", "confirmed_by": None}]
    assert sign_up(api, shift, medic).json()["code"] == "missing-qualification"

    confirmed = put_profile(
        api, account_id(api, medic), staff(api), skills=[{"skill": "first_aid"}]
    )
    assert confirmed.json()["skills"][0]["confirmed_by"] == account_id(api, staff(api))
    assert sign_up(api, shift, medic).status_code == 201


def test_a_cancellation_promotes_the_first_volunteer_on_the_waitlist(api):
    shift = new_shift(api, "2026-12-08T16:30:00+08:00", "2026-12-08T17:30:00+08:00")
    first, second = volunteer(api, "小孙"), volunteer(api, "小钱")
    taken = sign_up(api, shift, first).json()
    waiting = sign_up(api, shift, second, waitlist=True)
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted"
    assert api.get(f"/v1/shifts/{shift}", headers=first).json()["waitlisted"] == 1

    cancelled = requests.delete(
        f"{api.url}/v1/shifts/{shift}/signups/{taken['id']}", headers=first, timeout=15
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    after = api.get(f"/v1/shifts/{shift}", headers=first).json()
    assert (after["filled"], after["waitlisted"]) == (1, 0)
    again = sign_up(api, shift, second)
    assert again.status_code == 409 and again.json()["code"] == "already-signed-up"


def test_cancelling_after_the_cut_off_is_refused_for_volunteers_but_not_staff(api):
    shift = new_shift(
        api,
        "2026-12-09T07:10:00+08:00",
        "2026-12-09T08:00:00+08:00",
        cancel_cutoff_minutes=60 * 24 * 30,
    )
    taken = sign_up(api, shift, volunteer(api, "小周")).json()
    path = f"{api.url}/v1/shifts/{shift}/signups/{taken['id']}"
    late = requests.delete(path, headers=volunteer(api, "小周"), timeout=15)
    assert late.status_code == 409 and late.json()["code"] == "past-cancellation-cutoff"
    assert requests.delete(path, headers=staff(api), timeout=15).status_code == 200


def test_staff_override_a_full_shift_with_a_recorded_reason_volunteers_cannot(api):
    shift = new_shift(api, "2026-12-10T07:10:00+08:00", "2026-12-10T08:00:00+08:00")
    assert sign_up(api, shift, volunteer(api, "小吴")).status_code == 201
    extra = volunteer(api, "小郑")
    denied = sign_up(api, shift, extra, override_reason="我想去")
    assert denied.status_code == 403
    placed = sign_up(
        api,
        shift,
        staff(api),
        volunteer_id=account_id(api, extra),
        override_reason="路口施工，需要第二人",
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["override_reason"] == "路口施工，需要第二人" and placed.json()["pinned"]
    assert api.get(f"/v1/shifts/{shift}", headers=extra).json()["filled"] == 2


def test_a_school_day_traffic_post_skips_national_day_and_works_the_make_up_saturday(api):
    body = {
        "title": "展览馆西路上下学交通护导",
        "kind": "traffic_post",
        "place": "展览馆西路",
        "rule": "FREQ=DAILY",
        "day_filter": "school_days",
        "first_day": "2026-09-28",
        "last_day": "2026-10-11",
        "windows": [["07:10", "08:00"], ["16:30", "17:30"]],
        "capacity": 4,
    }
    response = api.post(f"/v1/communities/{ZHANLANGUAN}/activities", json=body, headers=staff(api))
    assert response.status_code == 201, response.text
    starts = [shift["starts_at"] for shift in response.json()["shifts"]]
    # times are in UTC: 16:30 in Beijing is 08:30Z on the same day
    afternoons = sorted(s for s in starts if "T08:30" in s)
    assert [s[:10] for s in afternoons] == [
        "2026-09-28",
        "2026-09-29",
        "2026-09-30",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
    ]
    assert len(starts) == 12


def test_a_malformed_recurrence_rule_is_a_clear_422(api):
    body = {
        "title": "t",
        "rule": "FREQ=SOMETIMES",
        "first_day": "2026-12-01",
        "last_day": "2026-12-02",
        "windows": [["07:10", "08:00"]],
        "capacity": 1,
    }
    response = api.post(f"/v1/communities/{ZHANLANGUAN}/activities", json=body, headers=staff(api))
    assert response.status_code == 422 and "rule" in response.json()["errors"]


def test_the_roster_fills_open_places_explains_its_choices_and_refills_a_decline(api):
    lead = staff(api, LUOYAN)
    week = "2026-12-14"
    shifts = [
        new_shift(api, f"{week}T07:10:00+08:00", f"{week}T08:00:00+08:00", community=LUOYAN),
        new_shift(api, f"{week}T09:00:00+08:00", f"{week}T10:00:00+08:00", community=LUOYAN),
    ]
    people = [volunteer(api, f"落雁志愿者{n}-{uuid.uuid4().hex[:4]}", LUOYAN) for n in range(3)]
    for headers in people:
        assert put_profile(api, account_id(api, headers), lead, home_community=LUOYAN).ok

    roster = api.post(
        f"/v1/nodes/{LUOYAN}/rosters",
        json={"starts_on": week, "ends_on": week},
        headers=lead,
    )
    assert roster.status_code == 201, roster.text
    first = roster.json()
    assert (first["open_places"], first["filled"], first["coverage_optimal"]) == (2, 2, True)
    # fairness: two places, two different people
    assert {a["shift_id"] for a in first["assignments"]} == set(shifts)
    assert len({a["volunteer_id"] for a in first["assignments"]}) == 2
    assert all(a["reasons"] for a in first["assignments"])

    by_id = {account_id(api, h): h for h in people}
    declined = next(a for a in first["assignments"] if a["volunteer_id"] in by_id)
    decliner = by_id[declined["volunteer_id"]]
    answer = api.post(
        f"/v1/shifts/{declined['shift_id']}/signups/{declined['signup_id']}/answer",
        json={"answer": "declined"},
        headers=decliner,
    )
    assert answer.status_code == 200 and answer.json()["status"] == "declined"

    again = api.post(
        f"/v1/nodes/{LUOYAN}/rosters", json={"starts_on": week, "ends_on": week}, headers=lead
    ).json()
    # only the declined place was open; the other proposal stays; the decliner is not asked
    assert (again["open_places"], again["filled"]) == (1, 1)
    assert again["assignments"][0]["shift_id"] == declined["shift_id"]
    assert again["assignments"][0]["volunteer_id"] != declined["volunteer_id"]


def test_only_staff_in_scope_fill_rosters(api):
    body = {"starts_on": "2026-12-14", "ends_on": "2026-12-20"}
    assert (
        api.post(
            f"/v1/nodes/{LUOYAN}/rosters", json=body, headers=volunteer(api, "x", LUOYAN)
        ).status_code
        == 403
    )
    assert api.post(f"/v1/nodes/{LUOYAN}/rosters", json=body, headers=staff(api)).status_code == 403
    too_long = {"starts_on": "2026-12-01", "ends_on": "2027-03-01"}
    wrong = api.post(f"/v1/nodes/{LUOYAN}/rosters", json=too_long, headers=staff(api, LUOYAN))
    assert wrong.status_code == 422 and "ends_on" in wrong.json()["errors"]


def test_check_in_and_out_with_the_leads_code_record_hours_that_another_staff_verifies(api):
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    shift = new_shift(api, soon.isoformat(), (soon + timedelta(minutes=50)).isoformat())
    worker = volunteer(api, f"护导员{uuid.uuid4().hex[:4]}")
    assert sign_up(api, shift, worker).status_code == 201

    wrong = api.post(f"/v1/shifts/{shift}/check-in", json={"code": "000000"}, headers=worker)
    assert wrong.status_code in (403, 422)
    code = api.post(f"/v1/shifts/{shift}/check-code", headers=staff(api)).json()["code"]
    assert api.post(f"/v1/shifts/{shift}/check-in", json={"code": code}, headers=worker).ok
    out = api.post(f"/v1/shifts/{shift}/check-out", json={"code": code}, headers=worker)
    assert out.status_code == 201, out.text
    entry = out.json()
    assert entry["kind"] == "attendance" and entry["verified_at"] is None

    # the volunteer left before the start: staff add the time spent setting up, as a new entry
    correction = api.post(
        f"/v1/volunteers/{entry['volunteer_id']}/hours",
        json={
            "community": ZHANLANGUAN,
            "minutes": 50,
            "service": "早高峰交通引导",
            "note": "提前到岗布置路障",
            "corrects": entry["id"],
        },
        headers=staff(api),
    )
    assert correction.status_code == 201 and correction.json()["kind"] == "correction"
    own = api.post(f"/v1/hours/{correction.json()['id']}/verify", headers=staff(api))
    assert own.status_code == 409  # staff entries are verified when recorded
    verified = api.post(
        f"/v1/hours/{entry['id']}/verify", headers=api.headers("admin", ZHANLANGUAN, "主任")
    )
    assert verified.status_code == 200 and verified.json()["verified_at"]

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # statements use local days
    statement = api.get(
        f"/v1/volunteers/{entry['volunteer_id']}/hours-statement",
        params={"from": today, "to": today, "format": "csv"},
        headers=worker,
    )
    assert statement.headers["Content-Type"].startswith("text/csv")
    assert "志愿服务组织" in statement.text and "展览馆社区" in statement.text
    summary = api.get(
        f"/v1/volunteers/{entry['volunteer_id']}/hours-statement",
        params={"from": today, "to": today},
        headers=worker,
    ).json()
    assert len(summary["entries"]) == 2 and summary["verified_hours"] >= 50 / 60 - 0.01
    page = api.get(
        f"/v1/volunteers/{entry['volunteer_id']}/hours-statement",
        params={"from": today, "to": today, "format": "html"},
        headers=worker,
    )
    assert page.headers["Content-Type"].startswith("text/html") and "志愿服务记录" in page.text


def test_a_no_show_is_recorded_with_its_reason(api):
    shift = new_shift(api, "2026-12-11T07:10:00+08:00", "2026-12-11T08:00:00+08:00")
    taken = sign_up(api, shift, volunteer(api, "小冯")).json()
    path = f"/v1/shifts/{shift}/signups/{taken['id']}/no-show"
    assert (
        api.post(path, json={"reason": "未请假"}, headers=volunteer(api, "小冯")).status_code == 403
    )
    recorded = api.post(path, json={"reason": "未请假未到岗"}, headers=staff(api))
    assert recorded.status_code == 200 and recorded.json()["status"] == "no_show"
    assert api.post(path, json={"reason": "again"}, headers=staff(api)).status_code == 409


def test_a_volunteer_and_an_activity_each_have_an_icalendar_feed(api):
    body = {
        "title": "周六助老集市",
        "rule": "FREQ=WEEKLY;BYDAY=SA;COUNT=3",
        "first_day": "2026-12-05",
        "last_day": "2026-12-31",
        "windows": [["09:00", "11:00"]],
        "capacity": 5,
        "place": "展览馆社区广场",
    }
    activity = api.post(
        f"/v1/communities/{ZHANLANGUAN}/activities", json=body, headers=staff(api)
    ).json()
    helper = volunteer(api, f"集市志愿者{uuid.uuid4().hex[:4]}")
    assert sign_up(api, activity["shifts"][0]["id"], helper).status_code == 201

    feed = api.get(f"/v1/activities/{activity['id']}/calendar.ics", headers=helper)
    assert feed.headers["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["LOCATION"]) for e in events] == ["展览馆社区广场"] * 3

    mine = api.get(f"/v1/volunteers/{account_id(api, helper)}/calendar.ics", headers=helper)
    (event,) = Calendar.from_ical(mine.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "周六助老集市"
    assert event.decoded("DTSTART") == datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    other = api.get(f"/v1/volunteers/{account_id(api, staff(api))}/calendar.ics", headers=helper)
    assert other.status_code == 403


def test_care_visit_coverage_shows_who_is_overdue_and_a_visit_moves_the_due_date(api):
    households = [
        api.post(
            f"/v1/communities/{LUOYAN}/households",
            json={"label": label, "needs": ["empty_nest"], "every_days": 7},
            headers=staff(api, LUOYAN),
        )
        for label in ("落雁小区1号楼101 王奶奶", "落雁小区2号楼302 李爷爷")
    ]
    assert [h.status_code for h in households] == [201, 201]
    visited, forgotten = (h.json() for h in households)
    visitor = volunteer(api, "探访志愿者小何", LUOYAN)
    visit = api.post(
        f"/v1/households/{visited['id']}/visits",
        json={"note": "暖气不热，已报事", "issue_id": "iss-from-the-public-api"},
        headers=visitor,
    )
    assert visit.status_code == 201, visit.text

    in_ten_days = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=10)).isoformat()
    report = api.get(
        f"/v1/nodes/{LUOYAN}/visit-coverage",
        params={"today": in_ten_days},
        headers=staff(api, LUOYAN),
    ).json()
    mine = {item["household_id"]: item for item in report["items"]}
    assert mine[forgotten["id"]]["days_overdue"] == 3
    assert mine[visited["id"]]["last_visit_on"] is not None
    assert mine[visited["id"]]["due_on"] == visit.json()["next_due_on"]
    elsewhere = volunteer(api, "别处志愿者", ZHANLANGUAN)
    outside = api.post(f"/v1/households/{visited['id']}/visits", json={}, headers=elsewhere)
    assert outside.status_code == 404


XILIN = "150102001001"  # only the figures test works there


def test_figures_count_activities_coverage_verified_hours_and_quota_progress(api):
    lead = staff(api, XILIN)
    for title in ("垃圾分类宣传", "垃圾分类督导"):
        body = {
            "title": title,
            "kind": "environment",
            "first_day": "2026-12-12",
            "last_day": "2026-12-12",
            "windows": [["09:00", "11:00"]],
            "capacity": 2,
        }
        created = api.post(f"/v1/communities/{XILIN}/activities", json=body, headers=lead)
        assert created.status_code == 201, created.text
    member = volunteer(api, "在职党员老高", XILIN)
    member_id = account_id(api, member)
    assert put_profile(
        api, member_id, lead, home_community=XILIN, kind="party_member", yearly_quota_hours=20
    ).ok
    assert sign_up(api, created.json()["shifts"][0]["id"], member).status_code == 201
    hours = api.post(
        f"/v1/volunteers/{member_id}/hours",
        json={"community": XILIN, "minutes": 300, "service": "入户宣传"},
        headers=lead,
    )
    assert hours.status_code == 201

    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    figures = api.get(
        f"/v1/nodes/{XILIN}/volunteer-figures", params={"year": 2026}, headers=lead
    ).json()
    assert figures["activities_by_kind"] == {"environment": 2}
    assert (figures["places"], figures["filled"]) == (4, 1)
    if year == 2026:  # hours count in the year they were recorded
        assert figures["hours_by_volunteer"] == {member_id: 5.0}
        (quota,) = figures["party_member_quotas"]
        assert (quota["verified_hours"], quota["progress"]) == (5.0, 0.25)
    bad = api.get(f"/v1/nodes/{XILIN}/volunteer-figures", params={"year": "x"}, headers=lead)
    assert bad.status_code == 422


def test_a_community_team_has_a_lead_and_members(api):
    created = api.post(
        f"/v1/communities/{ZHANLANGUAN}/teams", json={"name": "我帮你"}, headers=staff(api)
    )
    assert created.status_code == 201, created.text
    team = created.json()["id"]
    lead, member = (account_id(api, volunteer(api, n)) for n in ("队长老王", "队员小陈"))
    path = f"{api.url}/v1/teams/{team}/members"
    assert requests.put(f"{path}/{member}", json={}, headers=staff(api), timeout=15).ok
    answer = requests.put(
        f"{path}/{lead}", json={"role": "lead"}, headers=staff(api), timeout=15
    ).json()
    assert answer["members"] == [
        {"volunteer_id": lead, "role": "lead"},
        {"volunteer_id": member, "role": "member"},
    ]
    not_staff = requests.put(
        f"{path}/{member}", json={"role": "lead"}, headers=volunteer(api, "队员小陈"), timeout=15
    )
    assert not_staff.status_code == 403
    elsewhere = api.get(f"/v1/teams/{team}", headers=staff(api, LUOYAN))
    assert elsewhere.status_code == 404


def test_moving_this_occurrence_or_this_and_all_later_ones(api):
    body = {
        "title": "早市秩序维护",
        "rule": "FREQ=DAILY",
        "first_day": "2026-12-21",
        "last_day": "2026-12-24",
        "windows": [["06:30", "08:00"]],
        "capacity": 2,
    }
    activity = api.post(
        f"/v1/communities/{ZHANLANGUAN}/activities", json=body, headers=staff(api)
    ).json()
    path = f"{api.url}/v1/activities/{activity['id']}/occurrences"

    def move(day, scope, window):
        return requests.patch(
            f"{path}/{day}",
            json={"scope": scope, "windows": [window]},
            headers=staff(api),
            timeout=15,
        )

    this = move("2026-12-22", "this", ["07:00", "08:30"])
    assert this.status_code == 200, this.text
    assert [s["starts_at"] for s in this.json()["shifts"]] == ["2026-12-21T23:00:00+00:00"]
    later = move("2026-12-23", "following", ["06:00", "07:30"]).json()["shifts"]
    assert [s["starts_at"] for s in later] == [
        "2026-12-22T22:00:00+00:00",
        "2026-12-23T22:00:00+00:00",
    ]
    feed = Calendar.from_ical(
        api.get(f"/v1/activities/{activity['id']}/calendar.ics", headers=staff(api)).content
    )
    starts = [e.decoded("DTSTART").astimezone(UTC).hour for e in feed.walk("VEVENT")]
    assert starts == [22, 23, 22, 22]  # 06:30, 07:00, 06:00, 06:00 in Beijing
    assert move("2026-12-30", "this", ["07:00", "08:00"]).status_code == 404
    two = requests.patch(
        f"{path}/2026-12-22",
        json={"scope": "this", "windows": [["07:00", "08:00"], ["09:00", "10:00"]]},
        headers=staff(api),
        timeout=15,
    )
    assert two.status_code == 422 and two.json()["code"] == "window-count-mismatch"


def test_staff_read_the_records_of_volunteers_in_their_scope_only(api):
    person = volunteer(api, f"记录志愿者{uuid.uuid4().hex[:4]}")
    person_id = account_id(api, person)
    assert put_profile(api, person_id, staff(api), name="记录志愿者").ok
    statement = f"/v1/volunteers/{person_id}/hours-statement"
    query = {"from": "2026-01-01", "to": "2026-12-31"}
    assert api.get(statement, params=query, headers=person).status_code == 200
    assert api.get(statement, params=query, headers=staff(api)).status_code == 200
    assert api.get(statement, params=query, headers=staff(api, LUOYAN)).status_code == 404
    assert (
        api.get(f"/v1/volunteers/{person_id}/profile", headers=staff(api, LUOYAN)).status_code
        == 404
    )
    backwards = api.get(
        statement, params={"from": "2026-12-31", "to": "2026-01-01"}, headers=person
    )
    assert backwards.status_code == 422 and "to" in backwards.json()["errors"]


def test_a_communitys_shifts_are_listed_in_time_order_page_by_page(api):
    pengcheng = "150104001002"  # no other test creates shifts there
    for hour in (9, 7, 8):  # created out of order
        new_shift(
            api,
            f"2026-12-15T{hour:02d}:00:00+08:00",
            f"2026-12-15T{hour:02d}:45:00+08:00",
            community=pengcheng,
        )
    reader = volunteer(api, "翻页志愿者", pengcheng)
    path = f"/v1/communities/{pengcheng}/shifts"
    first = api.get(path, params={"limit": 2}, headers=reader).json()
    second = api.get(
        path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=reader
    ).json()
    starts = [s["starts_at"] for s in first["items"] + second["items"]]
    assert starts == [
        "2026-12-14T23:00:00+00:00",
        "2026-12-15T00:00:00+00:00",
        "2026-12-15T01:00:00+00:00",
    ]
    assert second["next_cursor"] is None
    later = api.get(path, params={"from": "2026-12-15T08:30:00+08:00"}, headers=reader).json()[
        "items"
    ]
    assert [s["starts_at"] for s in later] == ["2026-12-15T01:00:00+00:00"]
    assert api.get(path, params={"cursor": "nonsense"}, headers=reader).status_code == 422
    assert api.get(path, headers=volunteer(api, "别处的人", LUOYAN)).status_code == 403


def test_cancelling_this_occurrence_or_all_later_ones_frees_everyone_on_them(api):
    body = {
        "title": "冬季扫雪",
        "rule": "FREQ=DAILY",
        "first_day": "2027-01-04",
        "last_day": "2027-01-06",
        "windows": [["08:00", "10:00"]],
        "capacity": 3,
    }
    activity = api.post(
        f"/v1/communities/{ZHANLANGUAN}/activities", json=body, headers=staff(api)
    ).json()
    monday, tuesday, wednesday = (s["id"] for s in activity["shifts"])
    sweeper = volunteer(api, f"扫雪志愿者{uuid.uuid4().hex[:4]}")
    taken = sign_up(api, tuesday, sweeper).json()
    path = f"{api.url}/v1/activities/{activity['id']}/occurrences"

    this = requests.delete(f"{path}/2027-01-05", headers=staff(api), timeout=15)
    assert this.status_code == 200, this.text
    assert this.json()["cancelled_shifts"] == [tuesday] and this.json()["cancelled_places"] == 1
    assert api.get(f"/v1/shifts/{tuesday}", headers=sweeper).json()["cancelled_at"]
    refused = sign_up(api, tuesday, sweeper)
    assert refused.status_code == 409 and refused.json()["code"] == "shift-cancelled"
    mine = Calendar.from_ical(
        api.get(f"/v1/volunteers/{account_id(api, sweeper)}/calendar.ics", headers=sweeper).content
    )
    assert mine.walk("VEVENT") == []  # the place is gone: taken["id"] was cancelled
    assert taken["status"] == "confirmed"

    later = requests.delete(
        f"{path}/2027-01-05", params={"scope": "following"}, headers=staff(api), timeout=15
    )
    assert later.json()["cancelled_shifts"] == [wednesday]
    feed = Calendar.from_ical(
        api.get(f"/v1/activities/{activity['id']}/calendar.ics", headers=staff(api)).content
    )
    assert [str(e["STATUS"]) for e in feed.walk("VEVENT")] == [
        "CONFIRMED",
        "CANCELLED",
        "CANCELLED",
    ]
    assert api.get(f"/v1/shifts/{monday}", headers=sweeper).json()["cancelled_at"] is None
    again = requests.delete(f"{path}/2027-01-05", headers=staff(api), timeout=15)
    assert again.status_code == 404
    by_volunteer = requests.delete(f"{path}/2027-01-04", headers=sweeper, timeout=15)
    assert by_volunteer.status_code == 403


BENTENG, BENTENG_STREET = "150103005001", "150103005"  # only the roster-run test works there


def test_a_streets_month_is_filled_in_the_background_and_followed_at_its_location(api):
    lead = staff(api, BENTENG_STREET)
    medic = volunteer(api, f"奔腾急救员{uuid.uuid4().hex[:4]}", BENTENG)
    helper = volunteer(api, f"奔腾志愿者{uuid.uuid4().hex[:4]}", BENTENG)
    medic_id, helper_id = account_id(api, medic), account_id(api, helper)
    assert put_profile(
        api, medic_id, lead, home_community=BENTENG, skills=[{"skill": "first_aid"}]
    ).ok
    assert put_profile(api, helper_id, lead, home_community=BENTENG).ok
    clinic = new_shift(
        api,
        "2027-02-03T09:00:00+08:00",
        "2027-02-03T11:00:00+08:00",
        community=BENTENG,
        required_skills=["first_aid"],
    )
    market = new_shift(
        api, "2027-02-20T09:00:00+08:00", "2027-02-20T11:00:00+08:00", 2, community=BENTENG
    )
    # staff pinned the helper on the market before the run
    pinned = sign_up(
        api, market, staff(api, BENTENG), volunteer_id=helper_id, override_reason="集市负责人"
    )
    assert pinned.status_code == 201, pinned.text

    body = {"starts_on": "2027-02-01", "ends_on": "2027-02-28", "time_limit_seconds": 5}
    started = api.post(
        f"/v1/nodes/{BENTENG_STREET}/roster-runs",
        json=body,
        headers={**lead, "Idempotency-Key": f"month-{uuid.uuid4().hex}"},
    )
    assert started.status_code == 202, started.text
    run = started.json()
    assert started.headers["Location"] == f"/v1/roster-runs/{run['id']}"
    assert run["status"] == "queued" and run["result"] is None

    def finished():
        run = api.get(started.headers["Location"], headers=lead).json()
        return run if run["status"] in ("done", "failed") else None

    done = wait_until(finished, 60, interval=0.5, message="the roster run to finish")
    assert done["status"] == "done", done
    assert done["progress"]["stage"] == "done" and done["progress"]["shifts"] == 2
    result = done["result"]
    # two open places (the clinic's, and the market's second); the helper cannot take the
    # market twice, so the medic takes both: the only roster filling both places
    assert (result["open_places"], result["filled"], result["unfilled"]) == (2, 2, 0)
    assert result["coverage_optimal"]
    placed = {(a["shift_id"], a["volunteer_id"]) for a in result["assignments"]}
    assert placed == {(clinic, medic_id), (market, medic_id)}
    why = next(a["reasons"] for a in result["assignments"] if a["shift_id"] == clinic)
    assert any("first_aid" in reason for reason in why)
    helpers_place = api.get(f"/v1/shifts/{market}", headers=lead).json()
    assert helpers_place["filled"] == 2
    listed = api.get(f"/v1/nodes/{BENTENG_STREET}/roster-runs", headers=lead).json()
    assert run["id"] in [r["id"] for r in listed["items"]]


def test_roster_runs_refuse_bad_input_and_callers_out_of_scope_and_change_nothing(api):
    lead = staff(api, BENTENG_STREET)
    path = f"/v1/nodes/{BENTENG_STREET}/roster-runs"
    before = api.get(path, params={"limit": 100}, headers=lead).json()["items"]
    too_long = api.post(
        path, json={"starts_on": "2027-02-01", "ends_on": "2027-04-01"}, headers=lead
    )
    assert too_long.status_code == 422 and "ends_on" in too_long.json()["errors"]
    too_slow = api.post(
        path,
        json={"starts_on": "2027-02-01", "ends_on": "2027-02-07", "time_limit_seconds": 3600},
        headers=lead,
    )
    assert too_slow.status_code == 422 and "time_limit_seconds" in too_slow.json()["errors"]
    body = {"starts_on": "2027-02-01", "ends_on": "2027-02-07"}
    assert api.post(path, json=body, headers=volunteer(api, "x", BENTENG)).status_code == 403
    assert api.post(path, json=body, headers=staff(api)).status_code == 403
    assert api.get(path, params={"limit": 100}, headers=lead).json()["items"] == before
    assert api.get("/v1/roster-runs/ros-nosuchrun", headers=lead).status_code == 404
    if before:
        elsewhere = api.get(f"/v1/roster-runs/{before[0]['id']}", headers=staff(api))
        assert elsewhere.status_code == 404


def test_a_repeated_roster_run_request_with_the_same_idempotency_key_starts_one_run(api):
    lead = staff(api, BENTENG_STREET)
    headers = {**lead, "Idempotency-Key": f"once-{uuid.uuid4().hex}"}
    body = {"starts_on": "2027-03-01", "ends_on": "2027-03-07"}
    path = f"/v1/nodes/{BENTENG_STREET}/roster-runs"
    first = api.post(path, json=body, headers=headers)
    second = api.post(path, json=body, headers=headers)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"]


BABEI, SANSHUNDIAN, HUIMIN = "150103001001", "150103002001", "150103"  # the list tests' own


def test_activities_under_a_node_are_listed_by_first_day_filtered_and_page_by_page(api):
    for community, title, kind, first, last in (
        (SANSHUNDIAN, "冬季扫雪", "environment", "2027-01-10", "2027-01-12"),
        (BABEI, "助老集市", "elderly", "2027-01-05", "2027-01-05"),
        (BABEI, "上下学交通护导", "traffic_post", "2027-01-04", "2027-01-08"),
    ):
        body = {
            "title": title,
            "kind": kind,
            "rule": "FREQ=DAILY",
            "first_day": first,
            "last_day": last,
            "windows": [["09:00", "10:00"]],
            "capacity": 2,
        }
        created = api.post(
            f"/v1/communities/{community}/activities",
            json=body,
            headers=staff(api, HUIMIN),
        )
        assert created.status_code == 201, created.text
    reader = volunteer(api, "列表志愿者", HUIMIN)
    path = f"/v1/nodes/{HUIMIN}/activities"
    first = api.get(path, params={"limit": 2}, headers=reader).json()
    rest = api.get(path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=reader)
    listed = first["items"] + rest.json()["items"]
    assert [a["title"] for a in listed] == ["上下学交通护导", "助老集市", "冬季扫雪"]
    assert [a["shift_count"] for a in listed] == [5, 1, 3]
    assert rest.json()["next_cursor"] is None

    january_tenth = api.get(path, params={"from": "2027-01-09", "to": "2027-01-10"}, headers=reader)
    assert [a["title"] for a in january_tenth.json()["items"]] == ["冬季扫雪"]
    elderly = api.get(f"/v1/nodes/{BABEI}/activities", params={"kind": "elderly"}, headers=reader)
    assert [a["title"] for a in elderly.json()["items"]] == ["助老集市"]

    backwards = api.get(path, params={"from": "2027-02-01", "to": "2027-01-01"}, headers=reader)
    assert backwards.status_code == 422 and "to" in backwards.json()["errors"]
    assert api.get(path, params={"cursor": "nonsense"}, headers=reader).status_code == 422
    assert api.get(path, headers=volunteer(api, "别处的人", LUOYAN)).status_code == 403
    assert api.get("/v1/nodes/999999/activities", headers=reader).status_code == 404


def test_teams_under_a_node_are_listed_with_their_members(api):
    lead = staff(api, HUIMIN)
    for community, name, kind in (
        (BABEI, "巴北我帮你", "community"),
        (SANSHUNDIAN, "供电公司党员服务队", "partner_unit"),
    ):
        body = {"name": name, "kind": kind}
        if kind == "partner_unit":
            body["partner_unit"] = "呼和浩特供电公司"
        created = api.post(f"/v1/communities/{community}/teams", json=body, headers=lead)
        assert created.status_code == 201, created.text
        if kind == "community":
            member = account_id(api, volunteer(api, "巴北队长", BABEI))
            team = created.json()["id"]
            put = requests.put(
                f"{api.url}/v1/teams/{team}/members/{member}",
                json={"role": "lead"},
                headers=lead,
                timeout=15,
            )
            assert put.ok
    reader = volunteer(api, "列表志愿者", HUIMIN)
    path = f"/v1/nodes/{HUIMIN}/teams"
    teams = api.get(path, headers=reader).json()["items"]
    assert sorted(t["name"] for t in teams) == ["供电公司党员服务队", "巴北我帮你"]
    (ours,) = [t for t in teams if t["name"] == "巴北我帮你"]
    assert ours["members"] == [{"volunteer_id": member, "role": "lead"}]
    partners = api.get(path, params={"kind": "partner_unit"}, headers=reader).json()["items"]
    assert [t["partner_unit"] for t in partners] == ["呼和浩特供电公司"]
    one = api.get(path, params={"limit": 1}, headers=reader).json()
    two = api.get(path, params={"limit": 1, "cursor": one["next_cursor"]}, headers=reader).json()
    assert [t["id"] for t in one["items"] + two["items"]] == [t["id"] for t in teams]
    assert api.get(path, params={"kind": "club"}, headers=reader).status_code == 422
    assert api.get(path, headers=volunteer(api, "别处的人", LUOYAN)).status_code == 403


def test_care_visit_households_under_a_node_are_listed_overdue_first(api):
    lead = staff(api, HUIMIN)
    made = {}
    for community, label, needs, every in (
        (BABEI, "巴北小区1号楼 张奶奶", ["empty_nest"], 7),
        (BABEI, "巴北小区2号楼 刘爷爷", ["disabled"], 30),
        (SANSHUNDIAN, "三顺店小区 赵奶奶", ["empty_nest", "living_alone"], 14),
    ):
        created = api.post(
            f"/v1/communities/{community}/households",
            json={"label": label, "needs": needs, "every_days": every},
            headers=lead,
        )
        assert created.status_code == 201, created.text
        made[label] = created.json()["id"]
    in_twenty_days = (
        datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=20)
    ).isoformat()
    path = f"/v1/nodes/{HUIMIN}/households"
    listed = api.get(path, params={"today": in_twenty_days}, headers=lead).json()
    assert [h["label"] for h in listed["items"]] == [
        "巴北小区1号楼 张奶奶",  # due after 7 days: 13 days overdue
        "三顺店小区 赵奶奶",  # 6 days overdue
        "巴北小区2号楼 刘爷爷",  # due in 10 days
    ]
    assert [h["days_overdue"] for h in listed["items"]] == [13, 6, 0]
    overdue = api.get(path, params={"today": in_twenty_days, "overdue": "true"}, headers=lead)
    assert [h["id"] for h in overdue.json()["items"]] == [
        made["巴北小区1号楼 张奶奶"],
        made["三顺店小区 赵奶奶"],
    ]
    on_time = api.get(path, params={"today": in_twenty_days, "overdue": "false"}, headers=lead)
    assert [h["id"] for h in on_time.json()["items"]] == [made["巴北小区2号楼 刘爷爷"]]
    alone = api.get(path, params={"need": "living_alone"}, headers=lead).json()["items"]
    assert [h["id"] for h in alone] == [made["三顺店小区 赵奶奶"]]
    first = api.get(path, params={"today": in_twenty_days, "limit": 2}, headers=lead).json()
    rest = api.get(
        path,
        params={"today": in_twenty_days, "limit": 2, "cursor": first["next_cursor"]},
        headers=lead,
    ).json()
    assert [h["id"] for h in first["items"] + rest["items"]] == [h["id"] for h in listed["items"]]
    assert api.get(path, params={"overdue": "maybe"}, headers=lead).status_code == 422
    assert api.get(path, headers=volunteer(api, "探访志愿者", HUIMIN)).status_code == 403
    assert api.get(path, headers=staff(api, LUOYAN)).status_code == 403
