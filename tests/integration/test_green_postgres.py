"""PostgreSQL calls yield to other green threads (psycopg2 with psycogreen's wait callback):
a slow query in one worker does not stall the rest of the service."""

import time

import eventlet
from sqlalchemy import text

from shared.db import create_db_engine


def test_a_slow_query_does_not_stall_other_green_threads(settings):
    engine = create_db_engine(settings.database_url("issues"))
    ticks: list[float] = []

    def slow_query():
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(1)"))

    def ticker():
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            ticks.append(time.monotonic())
            eventlet.sleep(0.05)

    started = time.monotonic()
    query = eventlet.spawn(slow_query)
    eventlet.sleep(0.1)  # the query is now waiting on the server
    ticker_thread = eventlet.spawn(ticker)
    query.wait()
    ticker_thread.wait()
    engine.dispose()

    during_query = [t for t in ticks if t < started + 1.0]
    assert len(during_query) >= 10, f"only {len(during_query)} ticks while the query ran"
