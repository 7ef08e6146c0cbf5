"""The article's pavilion council, replayed through the public API of embedded Pavilion.

Six problems are reported in 展览馆社区 (heating in 博尔顿小区, a blocked drain in 正泰小区,
the bike shed in 长湾湾小区, and three more); they are raised as topics; the heating one is
an important matter and passes the five-step procedure; a council meeting deliberates all six;
three become micro-projects, all three are completed and rated by residents. The funnel for
the community reads 6 → 3 → 3 and the reporters of the three projects were told."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.support.processes import wait_until
from tests.support.scenario import (
    BOERDUN,
    GRID_1,
    GRID_2,
    GRID_3,
    XILIN,
    ZHANLANGUAN,
    report,
    resident,
    wait_for_routing,
)

ZHENGTAI, CHANGWANWAN = f"{ZHANLANGUAN}-C02", f"{ZHANLANGUAN}-C03"
PROBLEM = "application/problem+json"

# (title, category, grid, compound, reporter name, adopted as a project?)
PROBLEMS = (
    ("博尔顿小区暖气不热", "heating", GRID_1, BOERDUN, "博尔顿居民赵大爷", True),
    ("正泰小区下水道堵塞", "drainage", GRID_2, ZHENGTAI, "正泰居民钱阿姨", True),
    ("长湾湾小区自行车棚破损", "facilities", GRID_3, CHANGWANWAN, "长湾湾居民孙先生", True),
    ("博尔顿小区路灯不亮", "facilities", GRID_1, BOERDUN, "博尔顿居民李女士", False),
    ("正泰小区楼道堆物", "facilities", GRID_2, ZHENGTAI, "正泰居民周先生", False),
    ("长湾湾小区停车难", "facilities", GRID_3, CHANGWANWAN, "长湾湾居民吴阿姨", False),
)
NOT_ADOPTED = (
    ("community", "社区协调物业当月修复路灯", 7),
    ("referred", "涉及楼道消防，提交街道统一整治", 8),
    ("rejected", "小区无可用空地，暂不具备增设车位条件", 2),
)


@pytest.fixture(scope="module")
def api(embedded):
    wait_for_routing(embedded)
    return embedded


def staff(api, role: str, name: str) -> dict:
    return api.headers(role, ZHANLANGUAN, name)


def call(api, method: str, path: str, headers: dict, body: dict | None = None):
    return requests.request(method, api.url + path, json=body, headers=headers, timeout=15)


def ok(response: requests.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == code


def test_the_article_six_problems_three_projects_three_completed(api):
    secretary = staff(api, "party_secretary", "展览馆社区党委书记")
    member = staff(api, "committee_member", "居委会委员陈")
    social = staff(api, "social_worker", "张丽")
    representative = staff(api, "resident_representative", "居民代表老刘")
    started = datetime.now(UTC) - timedelta(minutes=1)
    suffix = uuid.uuid4().hex[:4]

    # 1. six residents report six problems
    reporters, issues = [], []
    for title, category, grid, compound, name, _ in PROBLEMS:
        headers = resident(api, f"{name}{suffix}")
        issue = ok(
            report(api, headers, title, category=category, grid=grid, compound=compound), 201
        )
        reporters.append(headers)
        issues.append(issue)

    # 2. they become topics: the reporters raise three, staff three (heating as important)
    topics = []
    for index, issue in enumerate(issues):
        if index == 0:
            topic = ok(
                call(api, "POST", f"/v1/issues/{issue['id']}/topic", social, {"important": True}),
                201,
            )
        elif index < 3:
            topic = ok(
                call(api, "POST", f"/v1/issues/{issue['id']}/topic", reporters[index], {}), 201
            )
        else:
            topic = ok(call(api, "POST", f"/v1/issues/{issue['id']}/topic", social, {}), 201)
        topics.append(topic)
    assert [t["via"] for t in topics] == [
        "staff",
        "reporter",
        "reporter",
        "staff",
        "staff",
        "staff",
    ]
    assert topics[0]["important"] and topics[0]["procedure"]["next_step"] == "propose"
    refused(
        call(api, "POST", f"/v1/issues/{issues[1]['id']}/topic", reporters[1], {}),
        409,
        "already-a-topic",
    )

    # 3. the important matter: 提议 → 商议 → 审议 in order, by the right roles
    heating = topics[0]["id"]
    step = f"/v1/topics/{heating}/procedure"
    refused(call(api, "POST", f"{step}/consult", member, {}), 409, "step-out-of-order")
    refused(call(api, "POST", f"{step}/propose", member, {}), 403, "role-not-allowed-for-step")
    ok(call(api, "POST", f"{step}/propose", secretary, {"note": "党组织提议：供暖改造"}))
    refused(call(api, "POST", f"{step}/propose", secretary, {}), 409, "step-already-recorded")
    ok(call(api, "POST", f"{step}/consult", member, {"note": "两委商议"}))
    after_review = ok(call(api, "POST", f"{step}/review", representative, {"note": "多方审议"}))
    assert after_review["procedure"]["next_step"] == "resolve"
    # 决议 is the meeting's own act: it cannot be recorded by hand
    refused(call(api, "POST", f"{step}/resolve", secretary, {}), 409, "step-recorded-by-its-act")

    # 4. the council meeting: scheduled, registered, agenda, attendance
    start = datetime.now(UTC) + timedelta(minutes=30)
    meeting = ok(
        call(
            api,
            "POST",
            f"/v1/communities/{ZHANLANGUAN}/meetings",
            secretary,
            {
                "meeting_type": "pavilion_council",
                "title": f"凉亭议事会 {suffix}",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(minutes=90)).isoformat(),
                "mode": "in_person",
                "place": "展览馆社区凉亭",
                "invited": [{"kind": "residents"}, {"kind": "two_reps_one_member"}],
                "capacity": 20,
                "quorum": 7,
            },
        ),
        201,
    )
    path = f"/v1/meetings/{meeting['id']}"
    for headers in reporters:
        ok(call(api, "POST", f"{path}/registrations", headers))
    ok(call(api, "PUT", f"{path}/agenda", secretary, {"topic_ids": [t["id"] for t in topics]}))
    reporter_ids = [issue["reporter_id"] for issue in issues]
    refused(
        call(api, "POST", f"{path}/resolutions", secretary, _vote(topics[0]["id"], "project")),
        409,
        "attendance-not-recorded",
    )
    # a topic is on one agenda at a time
    other = ok(
        call(
            api,
            "POST",
            f"/v1/communities/{ZHANLANGUAN}/meetings",
            secretary,
            {
                "meeting_type": "shade_tree",
                "title": f"树荫下的议事会 {suffix}",
                "starts_at": (start + timedelta(days=7)).isoformat(),
                "ends_at": (start + timedelta(days=7, hours=1)).isoformat(),
                "place": "社区广场",
            },
        ),
        201,
    )
    refused(
        call(api, "PUT", f"/v1/meetings/{other['id']}/agenda", secretary, {"topic_ids": [heating]}),
        409,
        "topic-on-another-agenda",
    )
    # setting an agenda again replaces it: a topic taken off is open again, one kept stays on
    every = {"topic_ids": [t["id"] for t in topics]}
    ok(call(api, "PUT", f"{path}/agenda", secretary, {"topic_ids": every["topic_ids"][1:]}))
    assert ok(call(api, "GET", f"/v1/topics/{heating}", secretary))["status"] == "open"
    assert ok(call(api, "GET", f"/v1/topics/{topics[1]['id']}", secretary))["status"] == "on_agenda"
    ok(call(api, "PUT", f"{path}/agenda", secretary, every))
    assert ok(call(api, "GET", f"/v1/topics/{heating}", secretary))["status"] == "on_agenda"
    held = ok(
        call(api, "PUT", f"{path}/attendance", secretary, {"present": reporter_ids, "others": 4})
    )
    assert held["registered"] == 6 and held["present"] == 10

    # 5. resolutions: three projects, one handled by the community, one referred, one rejected
    resolutions = [
        ok(call(api, "POST", f"{path}/resolutions", secretary, _vote(topic["id"], "project")), 201)
        for topic in topics[:3]
    ]
    for topic, (outcome, reasons, votes_for) in zip(topics[3:], NOT_ADOPTED, strict=True):
        body = {**_vote(topic["id"], outcome, votes_for), "reasons": reasons}
        ok(call(api, "POST", f"{path}/resolutions", secretary, body), 201)
    refused(
        call(api, "POST", f"{path}/resolutions", secretary, _vote(topics[0]["id"], "project")),
        409,
        "already-resolved",
    )
    closed = ok(
        call(
            api,
            "POST",
            f"{path}/minutes",
            secretary,
            {"minutes": "六项议题，三项立项", "closing_report": "会议圆满结束"},
        )
    )
    assert closed["status"] == "held" and len(closed["resolutions"]) == 6
    heating_topic = ok(call(api, "GET", f"/v1/topics/{heating}", social))
    assert heating_topic["status"] == "adopted"
    assert heating_topic["procedure"]["next_step"] == "evaluate"

    # 6. three micro-projects, carried out and completed with evidence
    projects = []
    for resolution, (title, *_rest) in zip(resolutions, PROBLEMS[:3], strict=True):
        project = ok(
            call(
                api,
                "POST",
                f"/v1/communities/{ZHANLANGUAN}/projects",
                secretary,
                {
                    "resolution_id": resolution["id"],
                    "title": f"民生微实事：{title}",
                    "budget": "28000.00",
                    "funding_source": "社区民生微实事专项资金",
                    "responsible_unit": "展览馆社区居委会",
                    "milestones": [
                        {"title": "施工", "due_on": (start + timedelta(days=14)).date().isoformat()}
                    ],
                },
            ),
            201,
        )
        assert project["status"] == "planned" and project["progress"] == 0
        projects.append(project)
    in_progress = ok(call(api, "GET", f"/v1/issues/{issues[0]['id']}", reporters[0]))
    assert in_progress["status"] == "in_progress"
    # the bike shed is two parts: its progress rolls up from them, weighted
    shed = projects[2]["id"]
    parts = [
        ok(
            call(
                api,
                "POST",
                f"/v1/communities/{ZHANLANGUAN}/projects",
                secretary,
                {
                    "parent_id": shed,
                    "title": title,
                    "weight": weight,
                    "funding_source": "社区民生微实事专项资金",
                    "responsible_unit": "共建单位",
                    "responsible_kind": "partner",
                },
            ),
            201,
        )["id"]
        for title, weight in (("车棚顶棚更换", 3), ("停车架加装", 1))
    ]
    ok(call(api, "POST", f"/v1/projects/{parts[0]}/progress", secretary, {"status": "in_progress"}))
    rolled = ok(call(api, "GET", f"/v1/projects/{shed}", secretary))
    assert rolled["progress"] == 37.5 and len(rolled["children"]) == 2  # (50 × 3 + 0 × 1) / 4
    refused(
        call(api, "POST", f"/v1/projects/{shed}/completion", secretary, {"note": "x"}),
        409,
        "illegal-project-move",
    )
    for part in parts:
        ok(call(api, "POST", f"/v1/projects/{part}/progress", secretary, {"status": "in_progress"}))
        ok(call(api, "POST", f"/v1/projects/{part}/completion", secretary, {"note": "完工"}))
    for project in projects:
        pid = project["id"]
        moved = ok(
            call(api, "POST", f"/v1/projects/{pid}/progress", secretary, {"status": "in_progress"})
        )
        assert moved["progress"] == (100 if pid == shed else 50)
        refused(
            call(api, "POST", f"/v1/projects/{pid}/progress", secretary, {"status": "planned"}),
            409,
            "illegal-project-move",
        )
        ok(
            call(
                api,
                "POST",
                f"/v1/projects/{pid}/progress",
                secretary,
                {"status": "acceptance", "milestones_done": ["ms-1"]},
            )
        )
        done = ok(
            call(
                api,
                "POST",
                f"/v1/projects/{pid}/completion",
                secretary,
                {"note": "已验收", "photos": [f"https://img.example.org/{pid}.jpg"]},
            )
        )
        assert done["status"] == "completed" and done["progress"] == 100
    for issue, headers in zip(issues[:3], reporters[:3], strict=True):
        assert ok(call(api, "GET", f"/v1/issues/{issue['id']}", headers))["status"] == "resolved"
    assert (
        ok(call(api, "GET", f"/v1/issues/{issues[3]['id']}", reporters[3]))["status"] == "reported"
    )

    # 7. residents' verdict; for the important matter it is the 评议 step
    for project, headers in zip(projects, reporters[:3], strict=True):
        rated = ok(
            call(
                api,
                "POST",
                f"/v1/projects/{project['id']}/ratings",
                headers,
                {"satisfaction": "satisfied", "score": 5},
            )
        )
        assert rated["ratings"] == 1 and rated["satisfied_share"] == 1.0
    assert ok(call(api, "GET", f"/v1/topics/{heating}", social))["procedure"]["next_step"] is None

    # 8. the funnel: 6 → 3 → 3, all satisfied; the three lists, also as CSV
    period = {
        "from": started.isoformat(),
        "to": (datetime.now(UTC) + timedelta(minutes=1)).isoformat(),
    }
    report_path = f"/v1/nodes/{ZHANLANGUAN}/deliberation-report"
    found = ok(requests.get(api.url + report_path, params=period, headers=social, timeout=15))
    assert found["funnel"]["topics_raised"] == 6
    assert found["funnel"]["projects_formed"] == 3
    assert found["funnel"]["projects_completed"] == 3
    assert found["funnel"]["satisfied_share"] == 1.0
    assert [row["outcome"] for row in found["problems"]] == [
        "project",
        "project",
        "project",
        "community",
        "referred",
        "rejected",
    ]
    exported = requests.get(
        api.url + report_path,
        params={**period, "format": "csv", "list": "results"},
        headers=social,
        timeout=15,
    )
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert sorted(row["id"] for row in rows) == sorted(p["id"] for p in projects)

    # the residents' verdicts feed the community's satisfaction figures
    figures = ok(
        requests.get(
            api.url + f"/v1/nodes/{ZHANLANGUAN}/issue-figures",
            params=period,
            headers=social,
            timeout=15,
        )
    )
    assert figures["project_ratings"] == 3 and figures["project_satisfaction_rate"] == 1.0

    # 9. the reporters of the three projects were told it was completed (and not the others)
    def told(headers) -> bool:
        return any(item["kind"] == "project_completed" for item in api.inbox(headers))

    for headers in reporters[:3]:
        wait_until(lambda headers=headers: told(headers), 30, interval=0.3, message="project news")
    assert not told(reporters[3])


def _vote(topic_id: str, outcome: str, votes_for: int = 8) -> dict:
    return {
        "topic_id": topic_id,
        "outcome": outcome,
        "votes_for": votes_for,
        "votes_against": 1,
        "votes_abstain": 1,
    }


def test_meetings_refuse_what_their_rules_do_not_allow_and_change_nothing(api):
    secretary = staff(api, "party_secretary", "展览馆社区党委书记")
    start = datetime.now(UTC) + timedelta(days=2)
    body = {
        "meeting_type": "neighbourhood_hub",
        "title": "邻里汇",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "place": "社区活动室",
        "capacity": 1,
    }
    path = f"/v1/communities/{ZHANLANGUAN}/meetings"
    refused(call(api, "POST", path, resident(api, "居民想开会"), body), 403, "council-staff-only")
    elsewhere = api.headers("party_secretary", XILIN, "西林社区书记")
    refused(call(api, "POST", path, elsewhere, body), 403, "out-of-scope")
    refused(
        call(api, "POST", path, secretary, {**body, "ends_at": start.isoformat()}),
        422,
        "meeting-ends-before-start",
    )
    refused(
        call(api, "POST", path, secretary, {**body, "mode": "online"}), 422, "online-url-required"
    )
    meeting = ok(call(api, "POST", path, secretary, body), 201)
    first, second = resident(api, "居民一号"), resident(api, "居民二号")
    ok(call(api, "POST", f"/v1/meetings/{meeting['id']}/registrations", first))
    again = ok(call(api, "POST", f"/v1/meetings/{meeting['id']}/registrations", first))
    assert again["registered"] == 1  # registering twice keeps one place
    refused(
        call(api, "POST", f"/v1/meetings/{meeting['id']}/registrations", second),
        409,
        "meeting-full",
    )
    ok(call(api, "DELETE", f"/v1/meetings/{meeting['id']}/registrations/me", first))
    ok(call(api, "POST", f"/v1/meetings/{meeting['id']}/registrations", second))
    cancelled = ok(
        call(
            api,
            "POST",
            f"/v1/meetings/{meeting['id']}/cancellation",
            secretary,
            {"reason": "场地维修"},
        )
    )
    assert cancelled["status"] == "cancelled"
    refused(
        call(api, "POST", f"/v1/meetings/{meeting['id']}/registrations", first),
        409,
        "meeting-not-scheduled",
    )
    refused(
        call(api, "PUT", f"/v1/meetings/{meeting['id']}/attendance", secretary, {"others": 3}),
        409,
        "meeting-not-scheduled",
    )
    # a dispute for mediation stays between its parties: it is never a council topic
    party = resident(api, "邻居甲")
    party_id = requests.get(api.url + "/v1/me", headers=party, timeout=15).json()["id"]
    dispute = ok(
        report(
            api,
            resident(api, "邻居乙"),
            "楼上噪音纠纷",
            category="neighbour_dispute",
            kind="dispute",
            parties=[party_id],
        ),
        201,
    )
    topic_of = f"/v1/issues/{dispute['id']}/topic"
    refused(call(api, "POST", topic_of, secretary, {}), 404, "issue-not-found")  # not theirs
    admin = api.headers("admin", "150100", "区管理员")
    refused(call(api, "POST", topic_of, admin, {}), 409, "dispute-not-a-topic")
    # a resident of another community does not learn the meeting exists
    outsider = api.headers("resident", XILIN, "西林居民")
    refused(call(api, "GET", f"/v1/meetings/{meeting['id']}", outsider), 404, "meeting-not-found")
    wait_until(
        lambda: any(i["kind"] == "meeting_cancelled" for i in api.inbox(second)),
        30,
        interval=0.3,
        message="the registered resident hears of the cancellation",
    )
