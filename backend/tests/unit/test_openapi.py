"""The committed OpenAPI document must be exactly what the app generates, and every operation
must carry a stable, unique operationId (clients are generated from it)."""

import json

from voelgoed.openapi_export import render_spec
from voelgoed.settings import REPO_ROOT

SPEC_PATH = REPO_ROOT / "shared_schemas" / "openapi.json"


def test_committed_spec_is_current() -> None:
    assert SPEC_PATH.read_text() == render_spec(), "shared_schemas/openapi.json is stale: run `./vg openapi`"


def test_every_operation_has_a_unique_operation_id() -> None:
    spec = json.loads(render_spec())
    seen: dict[str, str] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            op_id = operation.get("operationId")
            assert op_id, f"{method.upper()} {path} has no operationId"
            assert op_id[0].islower() and op_id.isalnum(), f"{op_id} is not camelCase"
            assert op_id not in seen, f"{op_id} used by {seen[op_id]} and {method.upper()} {path}"
            seen[op_id] = f"{method.upper()} {path}"
    assert len(seen) > 20


# A property or query parameter named like one of these carries a word from a closed set (a machine
# state, a role, a verdict, a sort key...): the spec must list the words, so the generated TypeScript
# of the apps is a union and no app keeps a hand-written copy (lib/closed_sets.py).
CLOSED_SET_NAMES = ("status", "role", "verdict", "reason", "sort", "kind", "provider", "direction", "result")
# Free text that only looks like one of them: a provider's own words about a failed payment.
FREE_TEXT = {"failure_reason"}
# The organiser's own words on why money goes back (refunds, cancellations).
FREE_TEXT_FIELDS = {"OrderCancel.reason", "OrderRefundBrief.reason", "RefundCreate.reason", "RefundRead.reason"}
# Why a webhook endpoint was disabled, in a sentence ("Answered 410 Gone", "Disabled by an organiser.").
FREE_TEXT_FIELDS |= {"WebhookEndpointRead.disabled_reason"}


def _names_a_closed_set(name: str) -> bool:
    return name not in FREE_TEXT and any(name == word or name.endswith(f"_{word}") for word in CLOSED_SET_NAMES)


def _bare_strings(schema: dict, spec: dict) -> bool:
    """True when `schema` (or a branch of its oneOf/anyOf) is a string with no `enum`."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return any(_bare_strings(b, spec) for b in branches if b.get("type") != "null")
    return schema.get("type") == "string" and "enum" not in schema and "const" not in schema


def test_closed_sets_are_enums_in_the_spec() -> None:
    spec = json.loads(render_spec())
    bare = []
    for name, schema in spec["components"]["schemas"].items():
        for prop, sub in (schema.get("properties") or {}).items():
            if f"{name}.{prop}" in FREE_TEXT_FIELDS:
                continue
            if _names_a_closed_set(prop) and _bare_strings(sub, spec):
                bare.append(f"{name}.{prop}")
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if _names_a_closed_set(parameter["name"]) and _bare_strings(parameter.get("schema", {}), spec):
                    bare.append(f"{method.upper()} {path} ?{parameter['name']}")
    assert not bare, f"plain strings where the spec should list the words (an enum): {bare}"
