"""Starting Pavilion: all four services in one process (embedded), or one or more services per
process (distributed). The same service classes run either way; only configuration differs."""

from __future__ import annotations

import importlib
import signal
import sys

from shared.config import SERVICES, Settings

SERVICE_CLASSES = {
    "gateway": "services.gateway.service:GatewayService",
    "issues": "services.issues.service:IssuesService",
    "volunteers": "services.volunteers.service:VolunteersService",
    "notifications": "services.notifications.service:NotificationsService",
}


def prepare_process(settings: Settings) -> None:
    """Green the process before anything opens a socket or a database connection."""
    import eventlet

    eventlet.monkey_patch()
    from shared.db import make_green
    from shared.logging import configure
    from shared.messaging import memory_transport

    make_green()
    memory_transport.register()
    configure(settings.log_level, settings.log_format)


def service_class(name: str):
    module_name, class_name = SERVICE_CLASSES[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def migrate(settings: Settings, services: tuple[str, ...] = SERVICES) -> None:
    from shared.db.migrations import upgrade

    for name in services:
        upgrade(name, settings.database_url(name))


class Runner:
    """Runs service containers until SIGINT/SIGTERM, then stops them gracefully.

    The main green thread wakes every 200 ms, so a signal is acted on promptly even when the
    only entrypoints are HTTP (nameko's own runner can sleep through SIGTERM there).
    """

    def __init__(self, settings: Settings, services: tuple[str, ...]):
        from nameko.containers import ServiceContainer

        from shared.messaging.rpc import IN_PROCESS_RPC_KEY

        self.settings = settings
        configs = {name: settings.nameko_config(name) for name in services}
        if len(services) > 1 and not settings.embedded:
            # services run together call each other here, not through the broker (0006)
            for config in configs.values():
                config[IN_PROCESS_RPC_KEY] = True
        self.containers = [
            ServiceContainer(service_class(name), configs[name]) for name in services
        ]
        self._stop_requested = False

    def start(self) -> None:
        """The gateway last: the services it calls in this process are ready before it takes
        requests (the reverse of `stop`)."""
        for container in sorted(self.containers, key=lambda c: c.service_name == "gateway"):
            container.start()

    def request_stop(self, *_args) -> None:
        self._stop_requested = True

    def stop(self, timeout: float = 10.0) -> None:
        """The gateway first (no new requests), then the others together; each container gets
        `timeout` seconds to finish what it holds before it is killed."""
        import eventlet

        def stop_one(container) -> None:
            try:
                with eventlet.Timeout(timeout):
                    container.stop()
            except eventlet.Timeout:
                container.kill()

        front = [c for c in self.containers if c.service_name == "gateway"]
        back = [c for c in self.containers if c.service_name != "gateway"]
        for group in (front, back):
            pool = eventlet.GreenPool()
            for container in group:
                pool.spawn(stop_one, container)
            pool.waitall()

    def run_forever(self, on_started=None) -> None:
        import eventlet

        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        self.start()
        if on_started is not None:
            on_started()
        try:
            while not self._stop_requested and not any(
                container._died.ready() for container in self.containers
            ):
                eventlet.sleep(0.2)
        finally:
            self.stop()
        died = [c for c in self.containers if c._died.ready()]
        if died and not self._stop_requested:
            sys.exit(1)
