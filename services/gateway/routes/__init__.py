"""The public API, one module per part. Each module holds a mixin of route methods (composed
into `GatewayService`) and its `OPERATIONS`, from which the OpenAPI document is built.

An operation is (method, path, summary, request schema, status, response schema, secured, tag).
"""

from . import (
    deliberation,
    directory,
    documentation,
    issues,
    notifications,
    open311,
    operations,
    volunteers,
)

ALL_OPERATIONS = (
    *operations.OPERATIONS,
    *documentation.OPERATIONS,
    *directory.OPERATIONS,
    *issues.OPERATIONS,
    *open311.OPERATIONS,
    *deliberation.OPERATIONS,
    *volunteers.OPERATIONS,
    *notifications.OPERATIONS,
)
