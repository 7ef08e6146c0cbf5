"""Run one bare service as its own process: `python -m bench.bare_pipeline.run intake|inbox`.

Configuration from the environment: AMQP_URI, BARE_HTTP_PORT (intake), INTAKE_DATABASE_URL,
INBOX_DATABASE_URL, BARE_MAX_WORKERS_INTAKE / BARE_MAX_WORKERS_INBOX (default 50 / 20, the
same worker budgets Pavilion gives its gateway and its other services), BARE_POOL_SIZE and
BARE_MAX_OVERFLOW (default: a pool as large as max_workers, no overflow)."""

import eventlet

eventlet.monkey_patch()

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()

import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from .services import InboxService, IntakeService  # noqa: E402


def main(which: str) -> None:
    config = {
        "AMQP_URI": os.environ["AMQP_URI"],
        "serializer": "json",
        "INTAKE_DATABASE_URL": os.environ.get("INTAKE_DATABASE_URL", ""),
        "INBOX_DATABASE_URL": os.environ.get("INBOX_DATABASE_URL", ""),
        "BARE_POOL_SIZE": os.environ.get("BARE_POOL_SIZE", ""),
        "BARE_MAX_OVERFLOW": os.environ.get("BARE_MAX_OVERFLOW", ""),
    }
    if which == "intake":
        service = IntakeService
        config["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{os.environ['BARE_HTTP_PORT']}"
        config["max_workers"] = int(os.environ.get("BARE_MAX_WORKERS_INTAKE", "50"))
    elif which == "inbox":
        service = InboxService
        config["max_workers"] = int(os.environ.get("BARE_MAX_WORKERS_INBOX", "20"))
    else:
        raise SystemExit(f"unknown service {which!r}: use intake or inbox")

    stop_requested = []
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop_requested.append(1))
    runner = ServiceRunner(config)
    runner.add_service(service)
    runner.start()
    print(f"{service.name} is running", file=sys.stderr, flush=True)
    # wake up regularly so SIGTERM is acted on even with only HTTP entrypoints
    while not stop_requested:
        eventlet.sleep(0.2)
    with eventlet.Timeout(10, False):
        runner.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
