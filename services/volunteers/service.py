"""The volunteers service's entry points."""

from nameko.timer import Timer

from shared.errors import EXPECTED_ERRORS
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.consumer import event_consumer
from shared.messaging.rpc import rpc

from . import handlers, settings


class ReminderTimer(Timer):
    """A timer that reads its interval when the container starts, not at import."""

    def start(self):
        self.interval = settings.reminder_tick_seconds()
        super().start()


class RosterTimer(Timer):
    """Takes up queued roster runs; reads its interval when the container starts. nameko
    fires it again only once the previous run is done, so one process solves one run at a
    time (replicas each take their own, SKIP LOCKED)."""

    def start(self):
        self.interval = settings.roster_tick_seconds()
        super().start()


class VolunteersService(DeadLetterOps):
    name = "volunteers"

    kit = ServiceKit()
    correlation_id = CorrelationId()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_shift(self, payload: dict, idempotency_key: str | None = None) -> dict:
        return handlers.create_shift(self.kit, payload, idempotency_key)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_shift(self, shift_id: str) -> dict:
        return handlers.get_shift(self.kit, shift_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_shifts(self, community: str, query: dict) -> dict:
        return handlers.list_shifts(self.kit, community, query)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def sign_up(
        self,
        shift_id: str,
        volunteer_id: str,
        idempotency_key: str | None = None,
        options: dict | None = None,
        actor_id: str | None = None,
    ) -> dict:
        return handlers.sign_up(
            self.kit, shift_id, volunteer_id, idempotency_key, options, actor_id
        )

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_signup(self, signup_id: str, actor_id: str, staff: bool = False) -> dict:
        return handlers.cancel_signup(self.kit, signup_id, actor_id, staff=staff)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def answer_assignment(self, signup_id: str, volunteer_id: str, answer: str) -> dict:
        return handlers.answer_assignment(self.kit, signup_id, volunteer_id, answer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def put_profile(self, volunteer_id: str, payload: dict, actor_id: str) -> dict:
        return handlers.put_profile(self.kit, volunteer_id, payload, actor_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_profile(self, volunteer_id: str) -> dict:
        return handlers.get_profile(self.kit, volunteer_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_activity(self, payload: dict, idempotency_key: str | None = None) -> dict:
        return handlers.create_activity(self.kit, payload, idempotency_key)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def fill_roster(self, payload: dict) -> dict:
        return handlers.fill_roster(self.kit, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def start_roster_run(self, payload: dict, idempotency_key: str | None = None) -> dict:
        return handlers.start_roster_run(self.kit, payload, idempotency_key)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_roster_run(self, run_id: str) -> dict:
        return handlers.get_roster_run(self.kit, run_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_roster_runs(self, node: str, query: dict) -> dict:
        return handlers.list_roster_runs(self.kit, node, query)

    @RosterTimer.decorator(interval=2)
    def run_roster_jobs(self) -> str | None:
        return handlers.run_next_roster(self.kit)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_activities(self, node: str, query: dict) -> dict:
        return handlers.list_activities(self.kit, node, query)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_teams(self, node: str, query: dict) -> dict:
        return handlers.list_teams(self.kit, node, query)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_households(self, node: str, query: dict) -> dict:
        return handlers.list_households(self.kit, node, query)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def issue_check_code(self, shift_id: str, actor_id: str) -> dict:
        return handlers.issue_check_code(self.kit, shift_id, actor_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_in(self, shift_id: str, volunteer_id: str, code: str) -> dict:
        return handlers.check_in(self.kit, shift_id, volunteer_id, code)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_out(self, shift_id: str, volunteer_id: str, code: str) -> dict:
        return handlers.check_out(self.kit, shift_id, volunteer_id, code)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_no_show(self, shift_id: str, signup_id: str, reason: str, actor_id: str) -> dict:
        return handlers.record_no_show(self.kit, shift_id, signup_id, reason, actor_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_hours_entry(self, volunteer_id: str, payload: dict, actor_id: str) -> dict:
        return handlers.add_hours_entry(self.kit, volunteer_id, payload, actor_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_hours_entry(self, entry_id: str) -> dict:
        return handlers.get_hours_entry(self.kit, entry_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def verify_hours(self, entry_id: str, actor_id: str) -> dict:
        return handlers.verify_hours(self.kit, entry_id, actor_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def hours_statement(
        self, volunteer_id: str, period_from: str, period_to: str, output: str = "json"
    ) -> dict:
        return handlers.hours_statement(self.kit, volunteer_id, period_from, period_to, output)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def volunteer_calendar(self, volunteer_id: str) -> str:
        return handlers.volunteer_calendar(self.kit, volunteer_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def activity_calendar(self, activity_id: str) -> dict:
        return handlers.activity_calendar(self.kit, activity_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_household(self, payload: dict) -> dict:
        return handlers.register_household(self.kit, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_household(self, household_id: str) -> dict:
        return handlers.get_household(self.kit, household_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_visit(self, household_id: str, volunteer_id: str, payload: dict) -> dict:
        return handlers.record_visit(self.kit, household_id, volunteer_id, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def visit_coverage(self, node: str, today: str | None = None) -> dict:
        return handlers.visit_coverage(self.kit, node, today)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def volunteer_figures(self, node: str, year: int) -> dict:
        return handlers.volunteer_figures(self.kit, node, year)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_team(self, payload: dict) -> dict:
        return handlers.create_team(self.kit, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_team(self, team_id: str) -> dict:
        return handlers.get_team(self.kit, team_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_membership(
        self, team_id: str, volunteer_id: str, payload: dict, actor_id: str | None = None
    ) -> dict:
        return handlers.set_membership(self.kit, team_id, volunteer_id, payload, actor_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reschedule_occurrences(
        self, activity_id: str, day: str, payload: dict, actor_id: str
    ) -> dict:
        return handlers.reschedule_occurrences(self.kit, activity_id, day, payload, actor_id)

    @ReminderTimer.decorator(interval=60)
    def send_reminders(self):
        handlers.send_due_reminders(self.kit)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_occurrences(self, activity_id: str, day: str, scope: str, actor_id: str) -> dict:
        return handlers.cancel_occurrences(self.kit, activity_id, day, scope, actor_id)

    @event_consumer("directory.node_upserted")
    def on_node_upserted(self, event):
        handlers.record_node(self.kit, event)
