"""Pavilion embedded (`pavilion up --demo`): one process, SQLite, in-process broker."""

from tests.support.processes import wait_until
from tests.support.scenario import BOERDUN, GRID_1, grid_worker, report, resident, wait_for_routing


def test_a_report_reaches_the_grid_workers_inbox(embedded):
    wait_for_routing(embedded)
    response = report(embedded, resident(embedded), "暖气不热", compound=BOERDUN)
    assert response.status_code == 201, response.text
    issue = response.json()
    assert issue["grid"] == GRID_1
    assert issue["assignee_role"] == "grid_worker"

    inbox = wait_until(
        lambda: [m for m in embedded.inbox(grid_worker(embedded)) if m["subject"] == issue["id"]],
        15,
        message="the grid worker's inbox message",
    )
    assert len(inbox) == 1
    assert inbox[0]["title"] == "新的居民诉求：暖气不热"


def test_the_correlation_id_of_a_request_reaches_the_event_it_causes(embedded):
    wait_for_routing(embedded)
    response = report(embedded, resident(embedded), "楼道灯坏了", grid=GRID_1)
    correlation_id = response.headers["X-Correlation-Id"]

    def services_that_logged_it() -> set[str]:
        lines = [line for line in embedded.log("embedded").splitlines() if correlation_id in line]
        return {
            s
            for s in ("gateway", "issues", "notifications")
            for line in lines
            if f'"service": "{s}"' in line
        }

    wait_until(
        lambda: services_that_logged_it() == {"gateway", "issues", "notifications"},
        15,
        message="log lines of every service carrying the request's correlation id",
    )


def test_ops_read_prometheus_metrics_of_every_service(embedded):
    wait_for_routing(embedded)
    report(embedded, resident(embedded), "metrics probe", grid=GRID_1)

    def scraped() -> str:
        text = embedded.get("/metrics").text
        handled = 'pavilion_events_handled_total{consumer="notifications.on_issue_reported"'
        return text if handled in text else ""

    text = wait_until(scraped, 15, message="metrics of the notifications consumer")
    for service in ("gateway", "issues", "volunteers", "notifications"):
        assert f'pavilion_outbox_unpublished{{service="{service}"}}' in text
    assert 'pavilion_parked_events{service="notifications",status="dead"} 0.0' in text
    assert "pavilion_http_request_seconds_bucket" in text
    assert 'pavilion_rpc_seconds_count{method="report_issue"' in text
