"""Messaging kit: in-process broker, confirmed publishing, outbox relay, retrying consumer,
parked events and dead letters, timed RPC."""
