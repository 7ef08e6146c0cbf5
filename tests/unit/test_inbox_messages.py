"""What an event tells whom, worded in zh-CN and en."""

from datetime import UTC, datetime

from services.notifications.domain import messages


def test_a_reported_issue_notifies_its_assignee():
    data = {
        "issue_id": "iss-1",
        "title": "暖气不热",
        "category": "heating",
        "assignee_id": "acc-wf",
    }
    [message] = messages.issue_reported(data)
    assert message.recipient_id == "acc-wf" and message.subject == "iss-1"
    assert messages.render(message.kind, message.params, "zh-CN")[0] == "新的居民诉求：暖气不热"
    assert messages.render(message.kind, message.params, "en")[0] == "New issue: 暖气不热"


def test_an_unassigned_issue_notifies_nobody_yet():
    assert (
        messages.issue_reported(
            {"issue_id": "i", "title": "t", "category": "c", "assignee_id": None}
        )
        == []
    )


def test_a_signup_is_confirmed_to_the_volunteer_in_local_time():
    data = {
        "volunteer_id": "acc-v",
        "shift_id": "shf-1",
        "title": "交通引导",
        "place": "展览馆西路",
        "starts_at": datetime(2026, 11, 30, 23, 10, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
    }
    [message] = messages.shift_signed_up(data)
    title, body = messages.render(message.kind, message.params, "zh-CN")
    assert title == "报名成功：交通引导"
    assert "2026年12月1日 07:10:00 – 2026年12月1日 08:00:00" in body and "展览馆西路" in body
    assert "at 展览馆西路" in messages.render(message.kind, message.params, "en")[1]


def test_the_assignee_reads_the_category_by_its_name_in_their_language():
    from services.notifications.templates import render

    named = {
        "issue_id": "iss-1",
        "title": "暖气不热",
        "category": "heating",
        "category_name": {"zh-CN": "供暖不热", "en": "Heating not warm"},
    }
    assert "新的供暖不热诉求" in render("issue_assigned", named, locale="zh-CN")["body"]
    assert "“Heating not warm” issue" in render("issue_assigned", named, locale="en")["body"]
    # an event from before the name was sent, or a name in one language only
    older = {key: value for key, value in named.items() if key != "category_name"}
    assert "新的heating诉求" in render("issue_assigned", older, locale="zh-CN")["body"]
    only_zh = {**named, "category_name": {"zh-CN": "供暖不热"}}
    assert "“heating” issue" in render("issue_assigned", only_zh, locale="en")["body"]
