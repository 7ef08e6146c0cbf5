"""The architecture's import rules, checked on the source: a service never imports another
service's package (what they share is in `shared/`), and `shared/` imports no service
statically (the migration runner loads a service's models by name, `shared/db/migrations.py`:
that is its job)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "service.py").exists())


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved, and for `from a import b` both
    `a` and `a.b` (b may be a module)."""
    package = list(path.relative_to(ROOT).with_suffix("").parts)
    package = package[:-1]  # the package a module (or an __init__) is in
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def offending(folder: Path, forbidden: list[str]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in folder.rglob("*.py")
        for module in imported_modules(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    )


def test_the_services_are_found():
    assert SERVICES == ["gateway", "issues", "notifications", "volunteers"]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service):
    others = [f"services.{other}" for other in SERVICES if other != service]
    assert offending(ROOT / "services" / service, others) == []


def test_relative_and_from_imports_are_seen(monkeypatch):
    module = ROOT / "services" / "gateway" / "routes" / "example.py"
    source = "from ...notifications import handlers\nfrom services import issues\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    found = imported_modules(module)
    assert {"services.notifications.handlers", "services.issues"} <= found


def test_shared_imports_no_service():
    assert offending(ROOT / "shared", ["services"]) == []
