"""The issues service's entry points: each decodes, calls one use case, returns."""

from nameko.timer import Timer, timer

from shared.errors import EXPECTED_ERRORS
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.consumer import event_consumer
from shared.messaging.rpc import rpc

from . import handlers, settings


class SlaTimer(Timer):
    """A timer that reads its interval when the container starts, not at import."""

    def start(self):
        self.interval = settings.sla_tick_seconds()
        super().start()


sla_timer = SlaTimer.decorator
# how often recorded changes of issues are folded into the monthly figures
FIGURES_FOLD_SECONDS = 5


class CouncilEntrypoints:
    """The pavilion council's RPC entry points (mixed into `IssuesService`)."""

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def deliberation_settings(self, node: str) -> dict:
        return handlers.deliberation.get_settings(self.kit, node)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def put_deliberation_settings(self, node: str, payload: dict, viewer: dict) -> dict:
        return handlers.deliberation.put_settings(self.kit, node, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def raise_topic(self, issue_id: str, viewer: dict, payload: dict) -> dict:
        return handlers.deliberation.raise_topic(self.kit, issue_id, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_topic(self, topic_id: str) -> dict:
        return handlers.deliberation.get_topic(self.kit, topic_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_topics(self, node: str, status: list[str] | None = None) -> list[dict]:
        return handlers.deliberation.list_topics(self.kit, node, status)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_step(self, topic_id: str, step: str, viewer: dict, note: str = "") -> dict:
        return handlers.deliberation.record_step(self.kit, topic_id, step, viewer, note)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def schedule_meeting(self, community: str, payload: dict, viewer: dict) -> dict:
        return handlers.deliberation.schedule_meeting(self.kit, community, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_meeting(self, meeting_id: str) -> dict:
        return handlers.deliberation.get_meeting(self.kit, meeting_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_meetings(self, node: str, start: str | None, end: str | None) -> list[dict]:
        return handlers.deliberation.list_meetings(self.kit, node, start, end)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reschedule_meeting(self, meeting_id: str, payload: dict, viewer: dict) -> dict:
        return handlers.deliberation.reschedule_meeting(self.kit, meeting_id, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_meeting(self, meeting_id: str, reason: str, viewer: dict) -> dict:
        return handlers.deliberation.cancel_meeting(self.kit, meeting_id, reason, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_for_meeting(self, meeting_id: str, viewer: dict) -> dict:
        return handlers.deliberation.register(self.kit, meeting_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def unregister_from_meeting(self, meeting_id: str, viewer: dict) -> dict:
        return handlers.deliberation.unregister(self.kit, meeting_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_agenda(self, meeting_id: str, topic_ids: list[str], viewer: dict) -> dict:
        return handlers.deliberation.set_agenda(self.kit, meeting_id, topic_ids, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_attendance(self, meeting_id: str, payload: dict, viewer: dict) -> dict:
        return handlers.deliberation.record_attendance(self.kit, meeting_id, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_resolution(self, meeting_id: str, payload: dict, viewer: dict) -> dict:
        return handlers.deliberation.record_resolution(self.kit, meeting_id, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def close_meeting(self, meeting_id: str, payload: dict, viewer: dict) -> dict:
        return handlers.deliberation.close_meeting(self.kit, meeting_id, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_project(self, community: str, payload: dict, viewer: dict) -> dict:
        return handlers.projects.create_project(self.kit, community, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project(self, project_id: str) -> dict:
        return handlers.projects.get_project(self.kit, project_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_projects(self, node: str, status: list[str] | None = None) -> list[dict]:
        return handlers.projects.list_projects(self.kit, node, status)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def progress_project(self, project_id: str, payload: dict, viewer: dict) -> dict:
        return handlers.projects.progress_project(self.kit, project_id, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def complete_project(self, project_id: str, payload: dict, viewer: dict) -> dict:
        return handlers.projects.complete_project(self.kit, project_id, payload, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def rate_project(self, project_id: str, viewer: dict, payload: dict) -> dict:
        return handlers.projects.rate_project(self.kit, project_id, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def deliberation_report(self, node: str, start: str, end: str) -> dict:
        return handlers.projects.deliberation_report(self.kit, node, start, end)


class IssuesService(CouncilEntrypoints, DeadLetterOps):
    name = "issues"

    kit = ServiceKit()
    correlation_id = CorrelationId()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report_issue(self, payload: dict, idempotency_key: str | None = None) -> dict:
        return handlers.report_issue(self.kit, payload, idempotency_key)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def similar_issues(self, report: dict) -> list[dict]:
        return handlers.similar_issues(self.kit, report)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_issue(self, issue_id: str, viewer: dict | None = None) -> dict:
        return handlers.get_issue(self.kit, issue_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_issues(self, query: dict, viewer: dict) -> dict:
        return handlers.list_issues(self.kit, query, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def act(self, issue_id: str, action: str, viewer: dict, payload: dict) -> dict:
        return handlers.act(self.kit, issue_id, action, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def evaluate(self, issue_id: str, viewer: dict, payload: dict) -> dict:
        return handlers.evaluate(self.kit, issue_id, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def merge(self, issue_id: str, into: str, viewer: dict) -> dict:
        return handlers.merge(self.kit, issue_id, into, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def support(self, issue_id: str, viewer: dict) -> dict:
        return handlers.support(self.kit, issue_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def comment(self, issue_id: str, viewer: dict, payload: dict) -> dict:
        return handlers.comment(self.kit, issue_id, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reassign(self, issue_id: str, assignee_id: str, viewer: dict) -> dict:
        return handlers.reassign(self.kit, issue_id, assignee_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def figures(self, node: str, start: str, end: str) -> dict:
        return handlers.figures(self.kit, node, start, end)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def catalogue(self, community: str) -> list[dict]:
        return handlers.catalogue(self.kit, community)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def put_catalogue_override(self, node: str, code: str, payload: dict, viewer: dict):
        return handlers.put_override(self.kit, node, code, payload, viewer)

    @sla_timer(interval=settings.sla_tick_seconds())
    def sla_tick(self):
        handlers.tick(self.kit)

    @timer(interval=FIGURES_FOLD_SECONDS)
    def fold_figures(self):
        handlers.fold_figures(self.kit)

    @event_consumer("directory.node_upserted")
    def on_node_upserted(self, event):
        handlers.record_node(self.kit, event)

    @event_consumer("directory.role_assigned")
    def on_role_assigned(self, event):
        handlers.record_role(self.kit, event)
