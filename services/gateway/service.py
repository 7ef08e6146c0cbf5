"""The gateway: authenticates, authorises, validates, and translates HTTP to RPC and back.
It holds no domain logic. Its routes live in `routes/`, one module per part of the API."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.rpc import TimedRpc

from .identity import verify_token
from .routes.deliberation import DeliberationRoutes
from .routes.directory import DirectoryRoutes
from .routes.documentation import DocumentationRoutes
from .routes.issues import IssueRoutes
from .routes.notifications import NotificationRoutes
from .routes.open311 import Open311Routes
from .routes.operations import OperationsRoutes
from .routes.volunteers import VolunteerRoutes


class Identity(DependencyProvider):
    """Verifies bearer tokens with this instance's signing secret."""

    def setup(self):
        self.secret = self.container.config["PAVILION"].signing_secret()

    def get_dependency(self, worker_ctx):
        return lambda request: verify_token(self.secret, request.headers.get("Authorization"))


class GatewayService(
    OperationsRoutes,
    DocumentationRoutes,
    DirectoryRoutes,
    IssueRoutes,
    Open311Routes,
    DeliberationRoutes,
    VolunteerRoutes,
    NotificationRoutes,
    DeadLetterOps,
):
    name = "gateway"

    kit = ServiceKit()
    correlation_id = CorrelationId()
    authenticate = Identity()
    issues = TimedRpc("issues")
    volunteers = TimedRpc("volunteers")
    notifications = TimedRpc("notifications")
