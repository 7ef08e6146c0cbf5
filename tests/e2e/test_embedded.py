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
