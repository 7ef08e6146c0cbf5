"""The notifications service's entry points: one consumer per event it follows (all go
through the rules in `domain/rules.py`), the delivery loop's timer, and the API's RPCs."""

from nameko.timer import timer

from shared.errors import EXPECTED_ERRORS
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.consumer import event_consumer
from shared.messaging.rpc import rpc

from . import handlers
from .channels import Registry
from .handlers import (
    broadcasts,
    deliveries,
    directory,
    dispatch,
    inbox,
    preferences,
    preview,
    receipts,
    webhooks,
)

DISPATCH_INTERVAL = 0.5  # seconds between passes of the delivery loop
BROADCAST_INTERVAL = 0.2  # broadcasts fan out on their own timer, in chunks


class NotificationsService(DeadLetterOps):
    name = "notifications"

    kit = ServiceKit()
    correlation_id = CorrelationId()
    channels = Registry.from_env()

    # -- the directory's read copy ---------------------------------------------------------
    @event_consumer("directory.node_upserted")
    def on_directory_node_upserted(self, event):
        directory.node_upserted(self.kit, event)

    @event_consumer("directory.role_assigned")
    def on_directory_role_assigned(self, event):
        directory.role_assigned(self.kit, event)

    # -- events that notify (rules as data: domain/rules.py) -------------------------------
    @event_consumer("issues.callback_requested")
    def on_callback_requested(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.deadline_approaching")
    def on_deadline_approaching(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.deadline_breached")
    def on_deadline_breached(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_accepted")
    def on_issue_accepted(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_assigned")
    def on_issue_assigned(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_closed")
    def on_issue_closed(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_commented")
    def on_issue_commented(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_escalated")
    def on_issue_escalated(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_evaluated")
    def on_issue_evaluated(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_merged")
    def on_issue_merged(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_referred")
    def on_issue_referred(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_rejected")
    def on_issue_rejected(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_reopened")
    def on_issue_reopened(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_reported")
    def on_issue_reported(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_resolved")
    def on_issue_resolved(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_resumed")
    def on_issue_resumed(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_started")
    def on_issue_started(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_supported")
    def on_issue_supported(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.issue_waiting")
    def on_issue_waiting(self, event):
        handlers.notify(self.kit, event)

    # -- the pavilion council -------------------------------------------------------------
    @event_consumer("issues.topic_raised")
    def on_topic_raised(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.meeting_scheduled")
    def on_meeting_scheduled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.meeting_registered")
    def on_meeting_registered(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.registration_cancelled")
    def on_registration_cancelled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.meeting_rescheduled")
    def on_meeting_rescheduled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.meeting_cancelled")
    def on_meeting_cancelled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.meeting_held")
    def on_meeting_held(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.procedure_step_recorded")
    def on_procedure_step_recorded(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.resolution_recorded")
    def on_resolution_recorded(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.project_created")
    def on_project_created(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.project_progressed")
    def on_project_progressed(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.project_completed")
    def on_project_completed(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("issues.project_rated")
    def on_project_rated(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.roster_filled")
    def on_roster_filled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.roster_failed")
    def on_roster_failed(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.team_joined")
    def on_team_joined(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.activity_scheduled")
    def on_activity_scheduled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.assignment_answered")
    def on_assignment_answered(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.hours_recorded")
    def on_hours_recorded(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.no_show_recorded")
    def on_no_show_recorded(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.shift_assigned")
    def on_shift_assigned(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.shift_signed_up")
    def on_shift_signed_up(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.signup_cancelled")
    def on_signup_cancelled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.waitlist_promoted")
    def on_waitlist_promoted(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.shift_rescheduled")
    def on_shift_rescheduled(self, event):
        handlers.notify(self.kit, event)

    @event_consumer("volunteers.reminder_due")
    def on_reminder_due(self, event):
        handlers.notify(self.kit, event)

    # -- the delivery loop -----------------------------------------------------------------
    @timer(interval=DISPATCH_INTERVAL)
    def dispatch(self):
        dispatch.fire_due_reminders(self.kit)
        dispatch.dispatch_due(self.kit, self.channels, dispatch.policy_of(self.kit))

    @timer(interval=BROADCAST_INTERVAL)
    def fan_out_broadcasts(self):
        broadcasts.fan_out(self.kit)

    # -- broadcasts ------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_broadcast(
        self, creator_id: str, node: str, node_kind: str, title: str, body: str
    ) -> dict:
        return broadcasts.create(self.kit, creator_id, node, node_kind, title, body)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def approve_broadcast(self, broadcast_id: str, approver_id: str) -> dict:
        return broadcasts.approve(self.kit, broadcast_id, approver_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def show_broadcast(self, broadcast_id: str) -> dict:
        return broadcasts.show(self.kit, broadcast_id)

    # -- inbox -----------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_inbox(
        self, recipient_id: str, locale: str = "zh-CN", limit: int = 20, cursor: str | None = None
    ) -> dict:
        return inbox.list_inbox(self.kit, recipient_id, locale, limit, cursor)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def unread_count(self, recipient_id: str) -> dict:
        return inbox.unread_count(self.kit, recipient_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def mark_read(self, recipient_id: str, message_id: str, locale: str = "zh-CN") -> dict:
        return inbox.mark_read(self.kit, recipient_id, message_id, locale)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def mark_all_read(self, recipient_id: str) -> dict:
        return inbox.mark_all_read(self.kit, recipient_id)

    # -- settings --------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_settings(self, account_id: str, name: str, role: str, scope: str) -> dict:
        return preferences.get_settings(self.kit, account_id, name, role, scope)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_settings(
        self, account_id: str, name: str, role: str, scope: str, changes: dict
    ) -> dict:
        return preferences.update_settings(self.kit, account_id, name, role, scope, changes)

    # -- delivery log, dead deliveries -----------------------------------------------------
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def message_log(self, recipient_id: str | None, message_id: str) -> dict:
        return deliveries.message_log(self.kit, recipient_id, message_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_deliveries(
        self, state: str | None = None, event_id: str | None = None, limit: int = 50
    ) -> list:
        return deliveries.list_deliveries(self.kit, state, event_id, limit)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def show_delivery(self, delivery_id: str) -> dict:
        return deliveries.show_delivery(self.kit, delivery_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_receipts(self, receipts: list) -> dict:
        return deliveries.record_receipts(self.kit, receipts)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_provider_receipts(self, provider: str, reports: list) -> dict:
        return receipts.record_provider_reports(self.kit, provider, reports)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def replay_delivery(self, delivery_id: str) -> dict:
        return deliveries.replay_delivery(self.kit, delivery_id)

    # -- webhooks, preview -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_webhook(self, owner_id: str, scope: str, url: str, event_types: list) -> dict:
        return webhooks.create_subscription(self.kit, owner_id, scope, url, event_types)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_webhooks(self, owner_id: str) -> list:
        return webhooks.list_subscriptions(self.kit, owner_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def webhook_deliveries(self, owner_id: str, subscription_id: str, limit: int = 50) -> list:
        return webhooks.subscription_deliveries(self.kit, owner_id, subscription_id, limit)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def replay_webhook_delivery(
        self, owner_id: str, subscription_id: str, delivery_id: str
    ) -> dict:
        return webhooks.replay_subscription_delivery(
            self.kit, owner_id, subscription_id, delivery_id
        )

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def preview(
        self, event_type: str, locale: str, channel: str, timezone: str = "Asia/Shanghai"
    ) -> list:
        return preview.preview(event_type, locale, channel, timezone)
