"""The breaking-change check (voelgoed/openapi_breaking.py): each rule on a small spec, that
additions pass, and that the committed spec passes against the last released one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from voelgoed.openapi_breaking import breaking_changes, changelog_section, check_acknowledged, version_key

ROOT = Path(__file__).parents[3]


def base() -> dict[str, Any]:
    thing = {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "note": {"oneOf": [{"type": "string"}, {"type": "null"}]},
        },
    }
    create = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["a", "b"]}},
    }
    return {
        "info": {"version": "1.0.0"},
        "components": {"schemas": {"Thing": thing, "ThingCreate": create}},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "parameters": [
                        {"in": "query", "name": "dry_run", "required": False, "schema": {"type": "boolean"}}
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingCreate"}}},
                    },
                    "responses": {
                        "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
                    },
                },
                "get": {
                    "operationId": "listThings",
                    "responses": {"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
                },
            }
        },
    }


def changed(edit: Any) -> list[str]:
    new = copy.deepcopy(base())
    edit(new)
    return breaking_changes(base(), new)


def test_additions_and_loosening_are_not_breaking() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["paths"]["/other"] = {"get": {"operationId": "other", "responses": {"200": {}}}}
        s["components"]["schemas"]["Thing"]["properties"]["extra"] = {"type": "integer"}
        s["components"]["schemas"]["ThingCreate"]["properties"]["kind"]["enum"].append("c")  # accepts more
        s["components"]["schemas"]["ThingCreate"]["properties"]["optional"] = {"type": "string"}
        s["components"]["schemas"]["Thing"]["properties"]["note"] = {"type": "string"}  # never null now
        s["paths"]["/things"]["post"]["responses"]["409"] = {"description": "conflict"}
        s["paths"]["/things"]["post"]["security"] = [{"apiKey": []}]

    assert changed(edit) == []


def test_a_described_reference_is_the_same_schema() -> None:
    # Giving a property that refers to a schema a description wraps the $ref in a one-item allOf:
    # nothing changed for a client, so nothing is reported (the check reported every field of
    # the referred schema as removed before).
    def wrap(s: dict[str, Any]) -> None:
        s["components"]["schemas"]["Wrapper"] = {
            "type": "object",
            "properties": {"thing": {"allOf": [{"$ref": "#/components/schemas/Thing"}], "description": "The thing."}},
        }
        s["paths"]["/things"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/Wrapper"
        }

    def plain(s: dict[str, Any]) -> None:
        s["components"]["schemas"]["Wrapper"] = {
            "type": "object",
            "properties": {"thing": {"$ref": "#/components/schemas/Thing"}},
        }
        s["paths"]["/things"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/Wrapper"
        }

    old, new = copy.deepcopy(base()), copy.deepcopy(base())
    plain(old)
    wrap(new)
    assert breaking_changes(old, new) == []
    del new["components"]["schemas"]["Thing"]["properties"]["status"]
    assert breaking_changes(old, new) == ["createThing 201.thing.status: removed"]


def test_removed_operations_and_renamed_ids() -> None:
    assert changed(lambda s: s["paths"]["/things"].pop("get")) == ["listThings: removed (GET /things)"]

    def rename(s: dict[str, Any]) -> None:
        s["paths"]["/things"]["get"]["operationId"] = "things"

    assert changed(rename) == ["listThings: operationId became things"]


def test_request_rules() -> None:
    def required_param(s: dict[str, Any]) -> None:
        s["paths"]["/things"]["post"]["parameters"][0]["required"] = True
        s["paths"]["/things"]["post"]["parameters"].append(
            {"in": "header", "name": "X-Token", "required": True, "schema": {"type": "string"}}
        )

    assert changed(required_param) == [
        "createThing: header parameter x-token: new and required",
        "createThing: query parameter dry_run: became required",
    ]

    def body(s: dict[str, Any]) -> None:
        create = s["components"]["schemas"]["ThingCreate"]
        create["properties"]["kind"]["enum"] = ["a"]
        create["properties"]["size"] = {"type": "integer"}
        create["required"] = ["name", "size"]
        create["properties"]["name"] = {"type": "integer"}

    assert changed(body) == [
        "createThing request.kind: enum value b removed",
        "createThing request.name: type string became integer",
        "createThing request.size: new required property",
    ]


def test_response_rules() -> None:
    def response(s: dict[str, Any]) -> None:
        thing = s["components"]["schemas"]["Thing"]
        thing["required"] = ["id"]
        thing["properties"]["status"]["enum"].append("archived")
        thing["properties"].pop("note")
        thing["properties"]["id"] = {"type": "integer"}

    assert changed(response) == [
        "createThing 201.id: type string became integer",
        "createThing 201.note: removed",
        "createThing 201.status: became optional",
    ]

    def enum_added(s: dict[str, Any]) -> None:
        s["components"]["schemas"]["Thing"]["properties"]["status"]["enum"].append("archived")

    assert changed(enum_added) == ["createThing 201.status: enum value archived added"]

    def media(s: dict[str, Any]) -> None:
        s["paths"]["/things"]["get"]["responses"] = {"200": {"content": {"application/json": {"schema": {}}}}}
        s["paths"]["/things"]["post"]["responses"] = {"200": s["paths"]["/things"]["post"]["responses"]["201"]}

    assert changed(media) == ["listThings 200: media type text/csv removed", "createThing 201: removed"]


def test_breaking_changes_must_be_listed_under_a_raised_version() -> None:
    findings = ["listThings: removed (GET /things)"]
    log = "# API changelog\n\n## 2.0.0\n\n- `listThings: removed (GET /things)`\n\n## 1.0.0\n\nFirst.\n"
    assert check_acknowledged(findings, log, "2.0.0", "1.0.0") == []
    assert check_acknowledged([], "", "1.0.0", "1.0.0") == []
    assert check_acknowledged(findings, log, "1.0.0", "1.0.0")[0].startswith("info.version 1.0.0 must be raised")
    unlisted = check_acknowledged(["createThing 201: removed"], log, "2.0.0", "1.0.0")
    assert unlisted == ["not in docs/api-changelog.md under 2.0.0: createThing 201: removed"]
    assert "no '## 3.0.0' section" in check_acknowledged(findings, log, "3.0.0", "1.0.0")[0]
    assert changelog_section(log, "1.0.0") == "\n\nFirst.\n"
    assert version_key("1.10.0") > version_key("1.9.2")


def test_the_committed_spec_passes_against_the_last_released_one() -> None:
    released = sorted((ROOT / "shared_schemas" / "released").glob("openapi-*.json"), key=lambda p: version_key(p.stem))
    old = json.loads(released[-1].read_text())
    new = json.loads((ROOT / "shared_schemas" / "openapi.json").read_text())
    changelog = (ROOT / "docs" / "api-changelog.md").read_text()
    findings = breaking_changes(old, new)
    assert check_acknowledged(findings, changelog, new["info"]["version"], old["info"]["version"]) == []
