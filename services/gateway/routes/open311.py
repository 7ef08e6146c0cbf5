"""An Open311 GeoReport v2 compatible surface over issues (filled in with issue #3)."""

from __future__ import annotations

OPERATIONS: tuple = ()


class Open311Routes:
    pass
