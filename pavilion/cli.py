"""The `pavilion` command: run Pavilion, migrate, mint tokens, and the ops views."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import click
import requests

from shared.config import SERVICES, Settings

DEMO_DIRECTORY = Path(__file__).resolve().parent.parent / "data" / "demo-district.yaml"


def _settings(data_dir: str | None = None, port: int | None = None, host: str | None = None):
    if data_dir:
        os.environ["PAVILION_DATA_DIR"] = data_dir
    if port:
        os.environ["PAVILION_HTTP_PORT"] = str(port)
    if host:
        os.environ["PAVILION_HTTP_HOST"] = host
    return Settings.from_env()


@click.group()
def main() -> None:
    """Pavilion — community governance for a whole district."""


@main.command()
@click.option("--demo", is_flag=True, help="Load the demo district and print a token per role.")
@click.option("--data-dir", default=None, help="Where the SQLite files live (default .pavilion).")
@click.option("--host", default=None, help="Address to serve the API on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to serve the API on (default 8000).")
def up(demo: bool, data_dir: str | None, host: str | None, port: int | None) -> None:
    """Run all four services in this process (embedded mode: no servers needed)."""
    from pavilion.runtime import Runner, migrate, prepare_process

    settings = _settings(data_dir, port, host)
    prepare_process(settings)
    migrate(settings)
    tokens = _load_demo(settings) if demo else []
    runner = Runner(settings, SERVICES)
    base = f"http://{settings.http_host}:{settings.http_port}"

    def announce() -> None:
        click.echo(f"Pavilion is running at {base}  (API docs: {base}/v1/docs)", err=True)
        for role, name, scope, token in tokens:
            click.echo(f"{role:14} {name} @ {scope}\n  {token}", err=True)
        click.echo("Press Ctrl+C to stop.", err=True)

    runner.run_forever(on_started=announce)


def _load_demo(settings: Settings) -> list[tuple[str, str, str, str]]:
    from services.gateway.handlers import import_directory_file, issue_token
    from shared.db import create_db_engine

    engine = create_db_engine(settings.database_url("gateway"))
    counts, directory = import_directory_file(engine, DEMO_DIRECTORY.read_text(encoding="utf-8"))
    secret = settings.signing_secret()
    tokens = [
        (h.role, h.name, h.node, issue_token(engine, secret, h.role, h.node, h.name))
        for h in directory.demo_tokens
    ]
    engine.dispose()
    click.echo(f"Demo district loaded: {counts['nodes']} nodes.", err=True)
    return tokens


@main.command()
@click.argument("services", nargs=-1, required=True, type=click.Choice(SERVICES))
def run(services: tuple[str, ...]) -> None:
    """Run services in this process (distributed mode: AMQP_URI and <SERVICE>_DATABASE_URL
    select RabbitMQ and PostgreSQL); usually one, as its own process. Replicas share its
    queues. With several (`pavilion run gateway issues`), the gateway's calls to the others
    run in this process instead of through the broker (decision 0006)."""
    from pavilion.runtime import Runner, migrate, prepare_process

    services = tuple(dict.fromkeys(services))  # a service named twice runs once
    settings = Settings.from_env()
    prepare_process(settings)
    migrate(settings, services)
    Runner(settings, services).run_forever(
        on_started=lambda: click.echo(f"{', '.join(services)} running", err=True)
    )


@main.command()
@click.argument("services", nargs=-1, type=click.Choice(SERVICES))
def migrate(services: tuple[str, ...]) -> None:
    """Bring the services' databases up to date (all of them by default)."""
    from pavilion.runtime import migrate as run_migrations

    run_migrations(Settings.from_env(), services or SERVICES)
    click.echo(f"migrated: {', '.join(services or SERVICES)}")


@main.command("import-directory")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_directory(path: str) -> None:
    """Import a district directory (YAML): nodes and role holders; changes are announced."""
    from services.gateway.directory import DirectoryError
    from services.gateway.handlers import import_directory_file
    from shared.db import create_db_engine

    settings = Settings.from_env()
    engine = create_db_engine(settings.database_url("gateway"))
    try:
        counts, _ = import_directory_file(engine, Path(path).read_text(encoding="utf-8"))
    except DirectoryError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(json.dumps(counts, ensure_ascii=False))


@main.command()
@click.option(
    "--role", required=True, help="resident, volunteer, grid_worker, social_worker, admin, ops"
)
@click.option(
    "--scope", required=True, help="Code of the node the token covers (with its subtree)."
)
@click.option("--name", required=True, help="The person's name.")
def token(role: str, scope: str, name: str) -> None:
    """Mint a bearer token for the running instance (same data directory or databases)."""
    from services.gateway.handlers import issue_token
    from shared.db import create_db_engine
    from shared.errors import PavilionError

    settings = Settings.from_env()
    engine = create_db_engine(settings.database_url("gateway"))
    try:
        click.echo(issue_token(engine, settings.signing_secret(), role, scope, name))
    except PavilionError as exc:
        raise click.ClickException(exc.detail) from None


# -- ops ------------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the raw figures as JSON.")
def queues(as_json: bool) -> None:
    """Queue depth, consumers and rates, from RabbitMQ's management API."""
    settings = Settings.from_env()
    if settings.embedded:
        raise click.ClickException(
            "Embedded mode uses an in-process broker; `pavilion queues` reads RabbitMQ "
            "(set AMQP_URI and RABBITMQ_MANAGEMENT_URL)."
        )
    vhost = unquote(urlparse(settings.amqp_uri).path.lstrip("/")) or "/"
    management = urlparse(settings.rabbitmq_management_url)
    base = f"{management.scheme}://{management.hostname}:{management.port or 15672}"
    try:
        response = requests.get(
            f"{base}/api/queues/{quote(vhost, safe='')}",
            auth=(unquote(management.username or "guest"), unquote(management.password or "guest")),
            timeout=10,
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        raise click.ClickException(f"RabbitMQ management API unavailable: {exc}") from None
    rows = [
        {
            "queue": q["name"],
            "type": q.get("type", "classic"),
            "messages": q.get("messages", 0),
            "ready": q.get("messages_ready", 0),
            "unacked": q.get("messages_unacknowledged", 0),
            "consumers": q.get("consumers", 0),
            "in_per_s": q.get("message_stats", {}).get("publish_details", {}).get("rate", 0.0),
            "out_per_s": q.get("message_stats", {}).get("deliver_get_details", {}).get("rate", 0.0),
        }
        for q in sorted(response.json(), key=lambda q: q["name"])
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(
        f"{'queue':64} {'type':8} {'ready':>7} {'unacked':>7} {'consumers':>9} "
        f"{'in/s':>7} {'out/s':>7}"
    )
    for row in rows:
        click.echo(
            f"{row['queue'][:64]:64} {row['type']:8} {row['ready']:>7} {row['unacked']:>7} "
            f"{row['consumers']:>9} {row['in_per_s']:>7.1f} {row['out_per_s']:>7.1f}"
        )


@main.group("dead-letters")
def dead_letters() -> None:
    """List, inspect, replay or discard events that handlers gave up on."""


def _ops_session() -> tuple[str, dict[str, str]]:
    settings = Settings.from_env()
    base = os.environ.get("PAVILION_URL", f"http://{settings.http_host}:{settings.http_port}")
    bearer = os.environ.get("PAVILION_TOKEN")
    if not bearer:
        from services.gateway.handlers import issue_ops_token
        from shared.db import create_db_engine

        bearer = issue_ops_token(
            create_db_engine(settings.database_url("gateway")), settings.signing_secret()
        )
    return base.rstrip("/"), {"Authorization": f"Bearer {bearer}"}


def _call(method: str, path: str) -> dict:
    base, headers = _ops_session()
    try:
        response = requests.request(method, base + path, headers=headers, timeout=30)
    except requests.RequestException as exc:
        raise click.ClickException(f"Pavilion is not reachable at {base}: {exc}") from None
    body = response.json() if response.content else {}
    if response.status_code >= 400:
        raise click.ClickException(
            f"{response.status_code} {body.get('title')}: {body.get('detail')}"
        )
    return body


@dead_letters.command("list")
@click.option("--service", type=click.Choice(SERVICES[1:]), default=None)
@click.option("--status", type=click.Choice(["dead", "retrying"]), default="dead")
def dead_letters_list(service: str | None, status: str) -> None:
    query = f"?status={status}" + (f"&service={service}" if service else "")
    result = _call("GET", f"/v1/ops/dead-letters{query}")
    for name, listing in result.items():
        if "error" in listing:
            click.echo(f"{name}: unavailable ({listing['error']})")
            continue
        click.echo(f"{name}: {listing['total']} {status}")
        for item in listing["items"]:
            click.echo(
                f"  {item['id']}  {item['event_type'] or '(undecodable)'}  "
                f"attempts={item['attempts']}  {item['last_error'][:80]}"
            )


@dead_letters.command("show")
@click.argument("service", type=click.Choice(SERVICES[1:]))
@click.argument("parked_id")
def dead_letters_show(service: str, parked_id: str) -> None:
    click.echo(
        json.dumps(
            _call("GET", f"/v1/ops/dead-letters/{service}/{parked_id}"),
            indent=2,
            ensure_ascii=False,
        )
    )


@dead_letters.command("replay")
@click.argument("service", type=click.Choice(SERVICES[1:]))
@click.argument("parked_id", required=False)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter of the service.")
def dead_letters_replay(service: str, parked_id: str | None, replay_all: bool) -> None:
    if replay_all == bool(parked_id):
        raise click.UsageError("give one dead letter id, or --all")
    ids = (
        [parked_id]
        if parked_id
        else [
            item["id"]
            for item in _call("GET", f"/v1/ops/dead-letters?service={service}")[service]["items"]
        ]
    )
    for item_id in ids:
        _call("POST", f"/v1/ops/dead-letters/{service}/{item_id}/replay")
        click.echo(f"replaying {item_id}")


@dead_letters.command("discard")
@click.argument("service", type=click.Choice(SERVICES[1:]))
@click.argument("parked_id")
def dead_letters_discard(service: str, parked_id: str) -> None:
    _call("DELETE", f"/v1/ops/dead-letters/{service}/{parked_id}")
    click.echo(f"discarded {parked_id}")


if __name__ == "__main__":
    sys.exit(main())
