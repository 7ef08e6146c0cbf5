"""Use cases of the notifications service, one module per part:

- `fanout`: from an event to messages, deliveries and reminders
- `dispatch`: the delivery loop (retries, failover, dead letters), reminders, escalation
- `directory`: the local read copy of people, roles and places
- `inbox`, `preferences`, `deliveries`, `webhooks`, `preview`: what the API offers
"""

from .fanout import deliver_to_inboxes, notify
from .inbox import list_inbox

__all__ = ["deliver_to_inboxes", "list_inbox", "notify"]
