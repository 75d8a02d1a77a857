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
