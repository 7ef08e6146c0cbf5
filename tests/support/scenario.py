"""Steps the end-to-end tests share, in the words of the people who take them."""

from __future__ import annotations

import uuid

from .processes import Pavilion, wait_until

ZHANLANGUAN = "150105001001"
GRID_1, GRID_2, GRID_3 = (f"{ZHANLANGUAN}-G0{n}" for n in (1, 2, 3))
BOERDUN = f"{ZHANLANGUAN}-C01"
XILIN = "150102001001"


def resident(pavilion: Pavilion, name: str = "居民刘阿姨", scope: str = ZHANLANGUAN) -> dict:
    return pavilion.headers("resident", scope, name)


def grid_worker(pavilion: Pavilion, grid: str = GRID_1, name: str = "王芳") -> dict:
    return pavilion.headers("grid_worker", grid, name)


def report(
    pavilion: Pavilion,
    headers: dict,
    title: str,
    community: str = ZHANLANGUAN,
    key: str | None = None,
    **fields,
):
    body = {"category": "heating", "title": title, **fields}
    extra = {"Idempotency-Key": key} if key else {}
    return pavilion.post(
        f"/v1/communities/{community}/issues", json=body, headers={**headers, **extra}
    )


def wait_for_routing(pavilion: Pavilion, timeout: float = 30) -> None:
    """Wait until the issues service has its copy of the directory (routing works).

    Probes with reports in grid 3, which the tests leave otherwise alone."""

    def routed() -> bool:
        response = report(
            pavilion, resident(pavilion, "探针"), f"probe {uuid.uuid4().hex[:6]}", grid=GRID_3
        )
        response.raise_for_status()
        return response.json()["assignee_role"] == "grid_worker"

    wait_until(routed, timeout, interval=0.3, message="directory copy in the issues service")
