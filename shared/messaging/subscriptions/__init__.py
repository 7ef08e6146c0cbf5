"""Who consumes which event: one module per consuming service, each a tuple of
(event type, consuming service, handler method). Combined in `topology.SUBSCRIPTIONS`."""
