"""Topics, council meetings, resolutions and micro-projects (filled in with issue #4)."""

from __future__ import annotations

OPERATIONS: tuple = ()


class DeliberationRoutes:
    pass
