"""The spec documents itself: every operation has a summary and a description, every component
schema a description and an example that is valid (against the schema, and decoded by msgspec into
the Struct the server decodes or encodes), and properties say what they hold.

Failures name the exact operation, schema or property that lacks what; lib/openapi_docs.py says
where each text comes from (handler docstrings, Struct docstrings, field `Meta(description=...)`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema
import msgspec
import pytest

from voelgoed.openapi_export import render_spec

METHODS = ("get", "put", "post", "delete", "patch")
# Schemas of the main resources: their properties are all described (the request bodies too).
MAIN_RESOURCE = re.compile(
    r"^(Public)?(Event|TicketType|Order|Ticket|Refund|Venue|Gate|Scan|Checkin|Device|Offline|Payment|Reservation)"
)
# Below these shares of described properties the test fails; raise them, never lower them.
REQUEST_BODY_MIN = 1.0
MAIN_RESOURCE_MIN = 1.0
ALL_PROPERTIES_MIN = 1.0


@cache
def spec() -> dict[str, Any]:
    return json.loads(render_spec())


def operations() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, item in spec()["paths"].items():
        for method in METHODS:
            if method in item:
                found.append((f"{method.upper()} {path} ({item[method].get('operationId')})", item[method]))
    return found


def schemas() -> dict[str, dict[str, Any]]:
    return spec()["components"]["schemas"]  # type: ignore[no-any-return]


def test_every_operation_has_a_summary_and_a_description() -> None:
    missing = []
    for name, operation in operations():
        summary = operation.get("summary") or ""
        if not summary or re.fullmatch(r"[A-Z][A-Za-z0-9]*", summary):
            missing.append(f"{name}: summary {summary!r} is a handler name; write a docstring's first line")
        if not (operation.get("description") or "").strip():
            missing.append(f"{name}: no description (the docstring's paragraphs after the first line)")
        elif "Access:" not in operation["description"]:
            missing.append(f"{name}: no access line in the description")
    assert not missing, "\n".join(missing)


def test_every_schema_has_a_description_and_an_example() -> None:
    missing = []
    for name, schema in schemas().items():
        if not (schema.get("description") or "").strip():
            missing.append(f"{name}: no description (the Struct's or enum's docstring)")
        if "enum" not in schema and not schema.get("examples"):
            missing.append(f"{name}: no example")
    assert not missing, "\n".join(missing)


@cache
def structs_by_name() -> dict[str, type[msgspec.Struct]]:
    import voelgoed.app  # noqa: F401 (every schema's module imported)

    found: dict[str, list[type[msgspec.Struct]]] = {}
    stack = list(msgspec.Struct.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("voelgoed."):
            found.setdefault(cls.__name__, []).append(cls)
    return {name: classes[0] for name, classes in found.items() if len(classes) == 1}


def test_every_example_is_valid() -> None:
    invalid = []
    components = spec()["components"]
    for name, schema in schemas().items():
        validator = jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components})
        for example in schema.get("examples") or []:
            for error in validator.iter_errors(example):
                invalid.append(f"{name}: example invalid at {'/'.join(map(str, error.absolute_path))}: {error.message}")
            struct = structs_by_name().get(name)
            if struct is not None:
                try:
                    msgspec.json.decode(msgspec.json.encode(example), type=struct)
                except msgspec.ValidationError as exc:
                    invalid.append(f"{name}: example does not decode into {struct.__qualname__}: {exc}")
    assert not invalid, "\n".join(invalid)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_refs, node)) if node else set()
    return set()


def request_body_schemas() -> set[str]:
    """Schemas a request body uses, directly or nested."""
    todo = set()
    for _, operation in operations():
        todo |= _refs(operation.get("requestBody", {}))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas():
            continue
        seen.add(name)
        todo |= _refs(schemas()[name])
    return seen


def undescribed(names: set[str] | None = None) -> tuple[int, list[str]]:
    total, missing = 0, []
    for name, schema in schemas().items():
        if names is not None and name not in names:
            continue
        for prop, sub in (schema.get("properties") or {}).items():
            total += 1
            if not (sub.get("description") or "").strip():
                missing.append(f"{name}.{prop}")
    return total, missing


def _share(total: int, missing: list[str]) -> float:
    return 1.0 if total == 0 else (total - len(missing)) / total


@pytest.mark.parametrize(
    ("scope", "minimum"),
    [("request bodies", REQUEST_BODY_MIN), ("main resources", MAIN_RESOURCE_MIN), ("all", ALL_PROPERTIES_MIN)],
)
def test_property_descriptions(scope: str, minimum: float) -> None:
    if scope == "request bodies":
        total, missing = undescribed(request_body_schemas())
    elif scope == "main resources":
        total, missing = undescribed({n for n in schemas() if MAIN_RESOURCE.match(n)})
    else:
        total, missing = undescribed()
    share = _share(total, missing)
    print(f"properties with a description ({scope}): {total - len(missing)}/{total} = {share:.1%}")
    assert share >= minimum, (
        f"{scope}: {share:.1%} of {total} properties described, below {minimum:.0%}; "
        "add Meta(description=...) to: " + ", ".join(missing)
    )
