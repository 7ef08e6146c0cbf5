"""The intake-to-evaluation loop through the public API of embedded Pavilion: a resident
reports, the grid worker responds and resolves, the resident rates; duplicates are offered,
supported and merged; lists, figures, the catalogue and the Open311 surface."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.support.scenario import (
    BOERDUN,
    GRID_1,
    ZHANLANGUAN,
    grid_worker,
    report,
    resident,
    wait_for_routing,
)

PROBLEM = "application/problem+json"
BUILDING_2 = f"{BOERDUN}-B02"


@pytest.fixture(scope="module")
def api(embedded):
    wait_for_routing(embedded)
    return embedded


def social_worker(api):
    return api.headers("social_worker", ZHANLANGUAN, "张丽")


def admin(api):
    return api.headers("admin", "150100", "区管理员")


def act(api, issue_id, action, headers, **body):
    return api.post(f"/v1/issues/{issue_id}/actions/{action}", json=body, headers=headers)


def new_issue(api, who=None, **fields) -> dict:
    fields.setdefault("grid", GRID_1)
    response = report(api, who or resident(api), f"暖气不热 {uuid.uuid4().hex[:6]}", **fields)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_report_is_routed_to_the_grid_worker_with_deadlines_in_working_time(api):
    issue = new_issue(api)
    assert issue["assignee_role"] == "grid_worker"
    assert issue["status"] == "reported" and issue["open311_status"] == "open"
    assert issue["response_due_at"] < issue["resolution_due_at"]
    assert issue["response_due_at"].endswith("+00:00")


def test_the_full_loop_from_report_to_a_satisfied_rating_and_close(api):
    reporter, worker = resident(api, "居民甲"), grid_worker(api)
    issue = new_issue(api, reporter)
    for action, body in (("accept", {}), ("start", {}), ("resolve", {"note": "更换了阀门"})):
        response = act(api, issue["id"], action, worker, **body)
        assert response.status_code == 200, response.text
    rated = api.post(
        f"/v1/issues/{issue['id']}/evaluation",
        json={"satisfaction": "satisfied", "score": 5, "comment": "很快"},
        headers=reporter,
    )
    assert rated.status_code == 200 and rated.json()["status"] == "evaluated"
    closed = act(api, issue["id"], "close", worker)
    assert closed.json()["status"] == "closed" and closed.json()["open311_status"] == "closed"
    detail = api.get(f"/v1/issues/{issue['id']}", headers=worker).json()
    assert [h["action"] for h in detail["history"]] == [
        "report",
        "accept",
        "start",
        "resolve",
        "evaluate",
        "close",
    ]
    assert all(h["actor_id"] and h["at"] for h in detail["history"])


def test_an_illegal_transition_is_a_409_problem_and_changes_nothing(api):
    issue = new_issue(api)
    response = act(api, issue["id"], "close", grid_worker(api))
    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "illegal-transition"
    assert api.get(f"/v1/issues/{issue['id']}", headers=grid_worker(api)).json()["status"] == (
        "reported"
    )


def test_resolving_without_a_note_and_rejecting_without_a_reason_are_refused(api):
    issue = new_issue(api)
    worker = grid_worker(api)
    act(api, issue["id"], "accept", worker)
    missing_note = act(api, issue["id"], "resolve", worker)
    assert missing_note.status_code == 422 and "note" in missing_note.json()["errors"]
    missing_reason = act(api, issue["id"], "reject", worker)
    assert missing_reason.status_code == 422 and "reason" in missing_reason.json()["errors"]


def test_a_resident_who_rates_unsatisfied_reopens_the_issue_for_redo(api):
    reporter, worker = resident(api, "居民乙"), grid_worker(api)
    issue = new_issue(api, reporter)
    act(api, issue["id"], "accept", worker)
    act(api, issue["id"], "resolve", worker, note="已处理")
    rated = api.post(
        f"/v1/issues/{issue['id']}/evaluation",
        json={"satisfaction": "unsatisfied", "score": 1, "comment": "还是不热"},
        headers=reporter,
    ).json()
    assert rated["status"] == "reopened" and rated["redo_count"] == 1
    flagged = api.get("/v1/issues", params={"flagged": "true"}, headers=worker).json()["items"]
    assert issue["id"] in [i["id"] for i in flagged]


def test_only_the_reporter_rates_an_issue(api):
    worker = grid_worker(api)
    issue = new_issue(api)
    act(api, issue["id"], "accept", worker)
    act(api, issue["id"], "resolve", worker, note="已处理")
    response = api.post(
        f"/v1/issues/{issue['id']}/evaluation",
        json={"satisfaction": "satisfied", "score": 5},
        headers=worker,
    )
    assert response.status_code == 403


def test_the_reporters_phone_is_masked_for_anyone_but_the_assignee_and_admins(api):
    issue = new_issue(api, contact_phone="13800001234", contact_name="刘桂兰")
    assert (
        api.get(f"/v1/issues/{issue['id']}", headers=grid_worker(api)).json()["contact_phone"]
        == "13800001234"
    )
    other = api.get(f"/v1/issues/{issue['id']}", headers=social_worker(api)).json()
    assert other["contact_phone"] == "138****1234" and other["contact_name"] == "刘**"


def test_a_dispute_is_visible_only_to_its_parties_its_mediator_and_admins(api):
    party = resident(api, "邻居丙")
    party_id = api.get("/v1/me", headers=party).json()["id"]
    dispute = new_issue(
        api,
        resident(api, "邻居丁"),
        category="neighbour_dispute",
        kind="dispute",
        grid=None,
        parties=[party_id],
    )
    assert dispute["assignee_role"] == "social_worker"
    assert api.get(f"/v1/issues/{dispute['id']}", headers=party).status_code == 200
    assert api.get(f"/v1/issues/{dispute['id']}", headers=admin(api)).status_code == 200
    assert api.get(f"/v1/issues/{dispute['id']}", headers=social_worker(api)).status_code == 200
    assert api.get(f"/v1/issues/{dispute['id']}", headers=grid_worker(api)).status_code == 404


def test_staff_report_on_a_residents_behalf_and_the_channel_is_recorded(api):
    issue = new_issue(
        api,
        social_worker(api),
        channel="visit",
        kind="need",
        category="household_need",
        on_behalf_of="acc-resident-visit",
    )
    assert issue["reporter_id"] == "acc-resident-visit" and issue["channel"] == "visit"
    assert issue["recorded_by"] != issue["reporter_id"]


def test_an_emergency_category_tells_the_resident_to_call_instead(api):
    response = report(api, resident(api), "煤气味很重", category="gas_leak")
    assert response.status_code == 422
    assert response.json()["code"] == "call-emergency-services"
    assert "119" in response.json()["errors"]["category"][0]


def test_an_unknown_category_is_refused_with_the_field_named(api):
    response = report(api, resident(api), "x", category="no-such-thing")
    assert response.status_code == 422 and "category" in response.json()["errors"]


def test_a_similar_open_issue_is_offered_and_a_resident_supports_it_instead(api):
    first = new_issue(api, resident(api, "居民戊"), building=BUILDING_2, category="drainage")
    similar = api.get(
        f"/v1/communities/{ZHANLANGUAN}/issues/similar",
        params={"category": "drainage", "title": "下水道堵了", "building": BUILDING_2},
        headers=resident(api, "居民己"),
    ).json()["items"]
    assert similar[0]["issue_id"] == first["id"] and similar[0]["reason"] == "same-building"
    supported = api.post(f"/v1/issues/{first['id']}/supporters", headers=resident(api, "居民己"))
    assert supported.status_code == 200 and supported.json()["supporters"] == 1
    again = api.post(f"/v1/issues/{first['id']}/supporters", headers=resident(api, "居民己"))
    assert again.json()["supporters"] == 1


def test_staff_merge_a_duplicate_into_the_survivor_carrying_supporters_and_comments(api):
    worker = grid_worker(api)
    survivor = new_issue(
        api, resident(api, "居民庚"), category="environment", answers={"spot": "yard"}
    )
    duplicate = new_issue(
        api, resident(api, "居民辛"), category="environment", answers={"spot": "yard"}
    )
    comment = api.post(
        f"/v1/issues/{duplicate['id']}/comments",
        json={"body": "楼下堆了很多垃圾"},
        headers=resident(api, "居民辛"),
    )
    assert comment.status_code == 201
    merged = api.post(
        f"/v1/issues/{duplicate['id']}/merge", json={"into": survivor["id"]}, headers=worker
    )
    assert merged.status_code == 200 and merged.json()["supporters"] == 1
    old = api.get(f"/v1/issues/{duplicate['id']}", headers=worker).json()
    assert old["status"] == "merged" and old["merged_into"] == survivor["id"]
    detail = api.get(f"/v1/issues/{survivor['id']}", headers=worker).json()
    assert "楼下堆了很多垃圾" in [c["body"] for c in detail["comments"]]
    assert "merge" in [h["action"] for h in detail["history"]]


def test_internal_comments_are_hidden_from_the_reporter(api):
    reporter, worker = resident(api, "居民壬"), grid_worker(api)
    issue = new_issue(api, reporter)
    api.post(
        f"/v1/issues/{issue['id']}/comments",
        json={"body": "内部备注", "internal": True},
        headers=worker,
    )
    seen = api.get(f"/v1/issues/{issue['id']}", headers=reporter).json()["comments"]
    assert "内部备注" not in [c["body"] for c in seen]


def test_lists_page_with_a_cursor_filter_export_csv_and_feed_changes(api):
    worker = grid_worker(api)
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = {new_issue(api)["id"] for _ in range(3)}
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "status": "reported", "updated_after": since.isoformat()}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/v1/issues", params=params, headers=worker).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))
    exported = api.get("/v1/issues", params={"format": "csv", "limit": 100}, headers=worker)
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows and {"id", "status", "category"} <= set(rows[0])


def test_a_bad_list_filter_is_a_422_problem(api):
    response = api.get("/v1/issues", params={"limit": 0}, headers=grid_worker(api))
    assert response.status_code == 422 and "limit" in response.json()["errors"]
    bad_cursor = api.get("/v1/issues", params={"cursor": "!!"}, headers=grid_worker(api))
    assert bad_cursor.status_code == 422


def test_an_unchanged_issue_answers_304_to_its_etag(api):
    issue = new_issue(api)
    first = api.get(f"/v1/issues/{issue['id']}", headers=grid_worker(api))
    again = api.get(
        f"/v1/issues/{issue['id']}",
        headers={**grid_worker(api), "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_leaders_read_the_rates_of_a_street_for_a_period(api):
    now = datetime.now(UTC)
    figures = api.get(
        "/v1/nodes/150105001/issue-figures",
        params={
            "from": (now - timedelta(days=1)).isoformat(),
            "to": (now + timedelta(days=1)).isoformat(),
        },
        headers=admin(api),
    )
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert body["reported"] >= 1 and 0 <= body["response_rate"] <= 1
    assert body["communities"][0]["community"] == ZHANLANGUAN


def test_a_resident_may_not_read_the_figures(api):
    response = api.get(
        "/v1/nodes/150105001/issue-figures",
        params={"from": "2026-01-01T00:00:00+08:00", "to": "2027-01-01T00:00:00+08:00"},
        headers=resident(api),
    )
    assert response.status_code == 403


def test_a_community_narrows_and_extends_its_catalogue(api):
    staff = social_worker(api)
    removed = requests.put(
        f"{api.url}/v1/nodes/{ZHANLANGUAN}/catalogue/suggestion",
        json={"mode": "remove"},
        headers=staff,
        timeout=15,
    )
    assert removed.status_code == 200
    added = requests.put(
        f"{api.url}/v1/nodes/{ZHANLANGUAN}/catalogue/pavilion_repair",
        json={
            "mode": "add",
            "definition": {
                "name": {"zh-CN": "凉亭维修", "en": "Pavilion repair"},
                "response_hours": 4,
                "resolution_hours": 18,
            },
        },
        headers=staff,
        timeout=15,
    )
    codes = [c["code"] for c in added.json()["items"]]
    assert "pavilion_repair" in codes and "suggestion" not in codes
    assert report(api, resident(api), "建议", category="suggestion").status_code == 422
    assert report(api, resident(api), "亭子坏了", category="pavilion_repair").status_code == 201


def test_an_open311_client_reads_the_services_and_posts_a_form_encoded_request(api):
    services = api.get("/open311/v2/services.json", params={"jurisdiction_id": ZHANLANGUAN})
    assert services.status_code == 200
    assert "heating" in [s["service_code"] for s in services.json()]
    definition = api.get("/open311/v2/services/environment.json").json()
    assert definition["attributes"][0]["code"] == "spot"
    token = api.token("resident", ZHANLANGUAN, "311用户")
    posted = api.post(
        "/open311/v2/requests.json",
        data={
            "api_key": token,
            "jurisdiction_id": ZHANLANGUAN,
            "service_code": "environment",
            "description": "院里垃圾没人清",
            "lat": "40.81",
            "long": "111.68",
            "attribute[spot]": "yard",
            "phone": "13900001111",
        },
    )
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    fetched = api.get(f"/open311/v2/requests/{request_id}.json").json()[0]
    assert fetched["status"] == "open" and fetched["service_code"] == "environment"
    listed = api.get("/open311/v2/requests.json", params={"jurisdiction_id": ZHANLANGUAN}).json()
    assert request_id in [r["service_request_id"] for r in listed]


def test_an_open311_request_missing_its_service_code_is_an_open311_error(api):
    token = api.token("resident", ZHANLANGUAN, "311用户")
    posted = api.post(
        "/open311/v2/requests.json", data={"api_key": token, "jurisdiction_id": ZHANLANGUAN}
    )
    assert posted.status_code == 422 and posted.headers["Content-Type"] == "application/json"
    errors = posted.json()
    assert isinstance(errors, list) and all(e["code"] == 422 for e in errors)
    assert any(e["description"].startswith("service_code") for e in errors)
    unknown = api.get("/open311/v2/requests/iss-nope.json")
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404


def test_a_partner_organisation_refers_an_issue_under_its_own_name(api):
    partner = api.headers("partner", ZHANLANGUAN, "供热公司第三分公司")
    issue = new_issue(api, partner, channel="app")
    assert issue["channel"] == "referral" and issue["partner"] == "供热公司第三分公司"
    refused = report(api, partner, "代居民上报", on_behalf_of="acc-someone")
    assert refused.status_code == 422 and refused.json()["code"] == "on-behalf-staff-only"
