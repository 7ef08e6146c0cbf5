"""The public API against embedded Pavilion: bad input gets a 4xx problem and changes
nothing, scope is enforced, idempotency keys hold, and no request is answered with a 500."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest

from tests.support.scenario import GRID_1, XILIN, ZHANLANGUAN, report, resident, wait_for_routing

PROBLEM = "application/problem+json"


def issue_count(pavilion) -> int:
    with sqlite3.connect(pavilion.workdir / "data" / "issues.db") as connection:
        return connection.execute("SELECT count(*) FROM issues").fetchone()[0]


def social_worker(pavilion):
    return pavilion.headers("social_worker", ZHANLANGUAN, "张丽")


def volunteer(pavilion, name="志愿者小李"):
    return pavilion.headers("volunteer", ZHANLANGUAN, name)


@pytest.fixture(scope="module")
def api(embedded):
    wait_for_routing(embedded)
    return embedded


def post_raw(api, path, data, headers, content_type="application/json"):
    return api.post(path, data=data, headers={**headers, "Content-Type": content_type})


ISSUES = f"/v1/communities/{ZHANLANGUAN}/issues"


@pytest.mark.parametrize(
    "body, content_type, status, code",
    [
        (b"{not json", "application/json", 400, "malformed-json"),
        (b"[1, 2]", "application/json", 400, "json-object-required"),
        (b'{"category": "heating", "title": "x"}', "text/plain", 415, "json-required"),
        (b'{"category": 42, "title": ["x"]}', "application/json", 422, "invalid-request"),
        (b'{"title": "x"}', "application/json", 422, "invalid-request"),
        (
            b'{"category": "heating", "title": "x", "evil": 1}',
            "application/json",
            422,
            "invalid-request",
        ),
        (
            b'{"category": "heating", "title": "x", "latitude": 91}',
            "application/json",
            422,
            "invalid-request",
        ),
        (
            b'{"category": "heating", "title": "x", "grid": "150102001001-G01"}',
            "application/json",
            404,
            "grid-not-found",
        ),
    ],
)
def test_bad_input_gets_a_problem_and_stores_nothing(api, body, content_type, status, code):
    before = issue_count(api)
    response = post_raw(api, ISSUES, body, resident(api), content_type)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status
    assert problem["title"] and problem["instance"] == ISSUES
    assert issue_count(api) == before


def test_field_errors_name_each_field(api):
    response = post_raw(api, ISSUES, b'{"category": 42}', resident(api))
    assert set(response.json()["errors"]) == {"category", "title"}


def test_problem_titles_follow_the_callers_language(api):
    headers = {**resident(api), "Accept-Language": "en"}
    assert post_raw(api, ISSUES, b"{", headers).json()["title"] == "Bad request"
    assert post_raw(api, ISSUES, b"{", resident(api)).json()["title"] == "请求格式错误"


def test_an_oversized_body_is_refused(api):
    before = issue_count(api)
    huge = json.dumps({"category": "heating", "title": "x", "description": "漏" * 200_000})
    response = post_raw(api, ISSUES, huge.encode(), resident(api))
    assert response.status_code == 413 and response.json()["code"] == "body-too-large"
    assert issue_count(api) == before


def test_an_unknown_community_is_not_found(api):
    response = report(api, resident(api), "x", community="999999999999")
    assert response.status_code == 404 and response.json()["code"] == "community-not-found"


def test_a_request_outside_the_callers_scope_is_refused_and_changes_nothing(api):
    before = issue_count(api)
    xilin_resident = resident(api, "锡林的居民", scope=XILIN)
    response = report(api, xilin_resident, "不是我的社区")
    assert response.status_code == 403 and response.json()["code"] == "out-of-scope"
    assert issue_count(api) == before


def test_without_a_valid_token_nothing_happens(api):
    assert report(api, {}, "x").status_code == 401
    assert report(api, {"Authorization": "Bearer forged"}, "x").status_code == 401


def test_an_issue_is_visible_to_its_reporter_and_staff_in_scope_only(api):
    issue = report(api, resident(api), "电梯停运", grid=GRID_1).json()
    path = f"/v1/issues/{issue['id']}"
    assert api.get(path, headers=resident(api)).status_code == 200
    assert api.get(path, headers=social_worker(api)).status_code == 200
    other = resident(api, "另一位居民")
    assert api.get(path, headers=other).status_code == 404
    xilin_staff = api.headers("social_worker", XILIN, "陈静")
    assert api.get(path, headers=xilin_staff).status_code == 404


def test_a_retried_report_with_the_same_idempotency_key_creates_one_issue(api):
    before = issue_count(api)
    first = report(api, resident(api), "路灯不亮", key="retry-1", grid=GRID_1)
    again = report(api, resident(api), "路灯不亮", key="retry-1", grid=GRID_1)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert issue_count(api) == before + 1
    reused = report(api, resident(api), "别的事", key="retry-1", grid=GRID_1)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency-key-reused"


def test_a_full_shift_and_an_overlapping_signup_are_refused_with_reasons(api):
    def shift(title, start, end, capacity):
        body = {"title": title, "starts_at": start, "ends_at": end, "capacity": capacity}
        response = api.post(
            f"/v1/communities/{ZHANLANGUAN}/shifts", json=body, headers=social_worker(api)
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    morning = shift("早高峰交通引导", "2026-12-02T07:10:00+08:00", "2026-12-02T08:00:00+08:00", 1)
    overlapping = shift("晨间巡查", "2026-12-02T07:30:00+08:00", "2026-12-02T09:00:00+08:00", 5)
    assert api.post(f"/v1/shifts/{morning}/signups", headers=volunteer(api)).status_code == 201

    full = api.post(f"/v1/shifts/{morning}/signups", headers=volunteer(api, "志愿者小王"))
    assert full.status_code == 409 and full.json()["code"] == "shift-full"
    clash = api.post(f"/v1/shifts/{overlapping}/signups", headers=volunteer(api))
    assert clash.status_code == 409 and clash.json()["code"] == "overlapping-shift"
    assert api.get(f"/v1/shifts/{morning}", headers=volunteer(api)).json()["filled"] == 1


def test_only_staff_create_shifts_and_times_must_make_sense(api):
    body = {
        "title": "t",
        "starts_at": "2026-12-02T09:00:00+08:00",
        "ends_at": "2026-12-02T08:00:00+08:00",
        "capacity": 1,
    }
    path = f"/v1/communities/{ZHANLANGUAN}/shifts"
    assert api.post(path, json=body, headers=volunteer(api)).status_code == 403
    wrong = api.post(path, json=body, headers=social_worker(api))
    assert wrong.status_code == 422 and "ends_at" in wrong.json()["errors"]


def test_the_directory_finds_places_by_name(api):
    everything = api.get("/v1/directory/nodes", params={"q": "博尔顿"}).json()["items"]
    assert len(everything) == 3  # the compound and its two buildings
    found = api.get("/v1/directory/nodes", params={"q": "博尔顿", "kind": "compound"}).json()
    found = found["items"]
    assert [node["code"] for node in found] == ["150105001001-C01"]
    assert [step["name"] for step in found[0]["path"]][-2:] == ["展览馆社区", "展览馆社区第一网格"]
    assert api.get("/v1/directory/nodes", params={"q": ""}).status_code == 422


def test_the_openapi_document_lists_every_route(api):
    document = api.get("/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "post" in paths["/v1/communities/{code}/issues"]
    schema = document["components"]["schemas"]
    assert "ReportIssueBody" in schema or any("ReportIssue" in name for name in schema)
    events = api.get("/v1/asyncapi.json").json()
    assert "issues.issue_reported" in events["channels"]
    assert api.get("/v1/docs").status_code == 200


def test_unknown_routes_and_methods_are_problems_too(api):
    assert api.get("/v1/nothing-here").headers["Content-Type"] == PROBLEM
    response = api.get(ISSUES, headers=resident(api))
    assert response.status_code == 405 and response.headers["Content-Type"] == PROBLEM


def random_json(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "float", "bool", "null"] + (["list", "dict"] if depth < 2 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return rng.choice(
            ["", "x" * rng.randint(1, 300), "暖气", "'; DROP TABLE issues;--", "\x00"]
        )
    if kind == "int":
        return rng.choice([0, -1, 2**63, 10**30])
    if kind == "float":
        return rng.choice([1.5, -1e308, 1e308])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = [
        "category",
        "title",
        "grid",
        "compound",
        "building",
        "latitude",
        "channel",
        "starts_at",
        "ends_at",
        "capacity",
        "zzz",
    ]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 6))}


def test_no_random_request_makes_the_server_answer_500(api):
    rng = random.Random(2026)
    targets = [
        ISSUES,
        f"/v1/communities/{ZHANLANGUAN}/shifts",
        "/v1/shifts/nope/signups",
        "/v1/communities/%00/issues",
    ]
    headers = [resident(api), social_worker(api), volunteer(api), {}]
    for _ in range(150):
        response = api.post(
            rng.choice(targets),
            data=json.dumps(random_json(rng)),
            headers={**rng.choice(headers), "Content-Type": "application/json"},
        )
        assert response.status_code < 500, response.text
