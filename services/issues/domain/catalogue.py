"""The catalogue of issue categories per community (事项清单, "one village, one policy").

The district default (`data/district-catalogue.yaml`) is the base; each node on the way down
to a community (district, street, community) may add a category, override some of its fields
or remove it. Extra questions use Open311's attribute shape, with hidden (server-set) ones.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "district-catalogue.yaml"
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist", "boolean")
LEVELS = ("grid", "community", "street", "district")
MODES = ("add", "override", "remove")


class CatalogueError(ValueError):
    """A category or an answer that does not fit the catalogue; `fields` says where."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


@dataclass(frozen=True)
class Override:
    node: str
    code: str
    mode: str  # add | override | remove
    definition: dict[str, Any]


@cache
def district_default(path: str | None = None) -> tuple[dict, ...]:
    """The district's categories, read once per file (shared: `resolve` copies them)."""
    raw = yaml.safe_load(Path(path or DEFAULT_PATH).read_text(encoding="utf-8"))
    return tuple(normalise(entry) for entry in raw["categories"])


def normalise(entry: dict) -> dict:
    """A complete category: defaults filled in, attributes sorted by `order`."""
    category = {
        "code": entry["code"],
        "name": entry.get("name") or {"zh-CN": entry["code"], "en": entry["code"]},
        "group": entry.get("group", ""),
        "keywords": list(entry.get("keywords") or []),
        "response_hours": float(entry.get("response_hours", 4)),
        "resolution_hours": float(entry.get("resolution_hours", 45)),
        "assignee_role": entry.get("assignee_role", "grid_worker"),
        "escalation_chain": list(entry.get("escalation_chain") or ["community", "street"]),
        "anonymous_allowed": bool(entry.get("anonymous_allowed", False)),
        "stop_message": entry.get("stop_message"),
        "attributes": sorted(
            (dict(a, hidden=bool(a.get("hidden", False))) for a in entry.get("attributes") or []),
            key=lambda a: a.get("order", 0),
        ),
    }
    return category


def resolve(defaults: tuple[dict, ...], overrides_top_down: list[Override]) -> list[dict]:
    """The categories a community offers: the defaults, changed by each node's overrides in
    order from the district down to the community (a lower node has the last word)."""
    categories = {c["code"]: deepcopy(c) for c in defaults}
    for override in overrides_top_down:
        if override.mode == "remove":
            categories.pop(override.code, None)
        elif override.mode == "add" or override.code not in categories:
            categories[override.code] = normalise({**override.definition, "code": override.code})
        else:
            merged = {**categories[override.code], **override.definition, "code": override.code}
            categories[override.code] = normalise(merged)
    return sorted(categories.values(), key=lambda c: (c["group"], c["code"]))


def check_definition(definition: dict) -> dict[str, list[str]]:
    """Per-field problems of an override's definition (empty when it is fine)."""
    problems: dict[str, list[str]] = {}
    for key in ("response_hours", "resolution_hours"):
        if key in definition:
            value = definition[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                problems[key] = ["must be a positive number of working hours"]
    chain = definition.get("escalation_chain")
    if chain is not None and (
        not isinstance(chain, list) or any(level not in LEVELS for level in chain)
    ):
        problems["escalation_chain"] = [f"levels must be among {', '.join(LEVELS)}"]
    for index, attribute in enumerate(definition.get("attributes") or []):
        if not isinstance(attribute, dict) or not attribute.get("code"):
            problems[f"attributes.{index}"] = ["needs a code"]
        elif attribute.get("datatype", "string") not in DATATYPES:
            problems[f"attributes.{index}"] = [f"datatype must be one of {', '.join(DATATYPES)}"]
    return problems


def find(categories: list[dict], code: str) -> dict:
    for category in categories:
        if category["code"] == code:
            return category
    raise CatalogueError(
        f"no category {code} in this community's catalogue",
        {"category": [f"unknown category {code}"]},
    )


def check_answers(category: dict, answers: dict[str, Any]) -> dict[str, Any]:
    """The reporter's answers to the category's questions, checked against their datatypes.

    Hidden questions are server-set: a reporter's answer to one is refused."""
    problems: dict[str, list[str]] = {}
    known = {a["code"]: a for a in category["attributes"]}
    for code in answers:
        if code not in known:
            problems[code] = ["not a question of this category"]
        elif known[code]["hidden"]:
            problems[code] = ["set by staff, not by the reporter"]
    for code, attribute in known.items():
        if attribute["hidden"] or code in problems:
            continue
        value = answers.get(code)
        if value in (None, "", []):
            if attribute.get("required"):
                problems[code] = ["required"]
            continue
        problem = _datatype_problem(attribute, value)
        if problem:
            problems[code] = [problem]
    if problems:
        raise CatalogueError("some answers do not fit the category's questions", problems)
    return {code: value for code, value in answers.items() if value not in (None, "", [])}


def _datatype_problem(attribute: dict, value: Any) -> str | None:
    datatype = attribute.get("datatype", "string")
    keys = {str(v["key"]) for v in attribute.get("values") or []}
    if datatype == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok and isinstance(value, str):
            try:
                float(value)
                ok = True
            except ValueError:
                ok = False
        return None if ok else "must be a number"
    if datatype == "boolean":
        return None if isinstance(value, bool) or value in ("true", "false") else "true or false"
    if datatype == "singlevaluelist":
        return None if str(value) in keys else f"must be one of {', '.join(sorted(keys))}"
    if datatype == "multivaluelist":
        values = value if isinstance(value, list) else [value]
        return None if {str(v) for v in values} <= keys else f"must be among {', '.join(keys)}"
    return None if isinstance(value, str) else "must be text"


def next_level(chain: list[str], current: str) -> str | None:
    """The level above `current` in an escalation chain (None at the top)."""
    above = [level for level in chain if LEVELS.index(level) > LEVELS.index(current)]
    return above[0] if above else None
