"""The architecture's import rules, checked on the source: a service never imports another
service's package (what they share is in `shared/`), and `shared/` imports no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "service.py").exists())


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
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


def test_shared_imports_no_service():
    assert offending(ROOT / "shared", ["services"]) == []
