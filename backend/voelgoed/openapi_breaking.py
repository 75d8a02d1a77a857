"""Breaking changes between two OpenAPI documents: what would break a client generated from the
older one (docs/api.md, "Versions and breaking changes").

Written here rather than taken from a registry: oasdiff is a Go program (no Go toolchain or module
proxy on these machines), and the npm tools (openapi-diff, Optic) would add a large Node
dependency tree to the Python check; the rules a generated client actually depends on are few:

- an operation (method + path) or its operationId disappears;
- a parameter becomes required, appears as required, or changes type;
- a request body becomes required; a request property is removed, becomes required or appears as
  required; a request enum loses a value; a request type narrows;
- a success status or one of its media types disappears;
- a response property is removed or becomes optional; a response type widens or changes; a
  response enum gains a value (generated clients refuse values they do not know).

Each finding is one line that starts with the operationId; `check_acknowledged` accepts it only when
that exact line is in docs/api-changelog.md under the spec's (new) version.
"""

from __future__ import annotations

import re
from typing import Any

Spec = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class _Compare:
    def __init__(self, old: Spec, new: Spec) -> None:
        self.old, self.new = old, new
        self.findings: list[str] = []
        self._seen: set[tuple[str, str, str, str]] = set()

    def resolve(self, spec: Spec, schema: Any) -> Any:
        while isinstance(schema, dict):
            # `{"allOf": [{"$ref": ...}], "description": ...}` is how a described reference is
            # written (a sibling of $ref is ignored in OpenAPI 3.0): the same schema as the $ref.
            wrapped = schema.get("allOf")
            if "$ref" not in schema and isinstance(wrapped, list) and len(wrapped) == 1:
                schema = wrapped[0]
                continue
            if "$ref" not in schema:
                break
            node: Any = spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def types(self, spec: Spec, schema: Any) -> set[str] | None:
        """The JSON types a schema allows (None: any)."""
        schema = self.resolve(spec, schema)
        if not isinstance(schema, dict):
            return None
        if "type" in schema:
            t = schema["type"]
            return set(t) if isinstance(t, list) else {t}
        variants = schema.get("oneOf") or schema.get("anyOf")
        if variants:
            found = set()
            for variant in variants:
                sub = self.types(spec, variant)
                if sub is None:
                    return None
                found |= sub
            return found
        return None

    def _single(self, spec: Spec, schema: Any) -> Any:
        """The one non-null variant of a nullable `oneOf`, else the schema itself."""
        schema = self.resolve(spec, schema)
        if isinstance(schema, dict):
            variants = schema.get("oneOf") or schema.get("anyOf")
            if variants:
                real = [v for v in variants if self.resolve(spec, v).get("type") != "null"]
                if len(real) == 1:
                    return self.resolve(spec, real[0])
        return schema

    def schema(self, where: str, old: Any, new: Any, *, request: bool, parameter: bool = False) -> None:
        key = (where.split(" ")[0], repr(old)[:200], repr(new)[:200], "req" if request else "resp")
        if key in self._seen:
            return
        self._seen.add(key)
        old_types, new_types = self.types(self.old, old), self.types(self.new, new)
        if parameter and old_types is not None and new_types is not None:
            old_types, new_types = old_types - {"null"}, new_types - {"null"}  # a header or query is never null
        if old_types is not None and new_types is not None:
            # A request must still accept all it did; an answer may not send a type it did not.
            accepting, sending = (new_types, old_types) if request else (old_types, new_types)
            lost = sending - accepting - ({"integer"} if "number" in accepting else set())
            if lost:
                self.findings.append(
                    f"{where}: type {'/'.join(sorted(old_types))} became {'/'.join(sorted(new_types))}"
                )
                return
        o, n = self._single(self.old, old), self._single(self.new, new)
        if not isinstance(o, dict) or not isinstance(n, dict):
            return
        if "enum" in o and "enum" in n:
            if request:
                for value in sorted(set(map(str, o["enum"])) - set(map(str, n["enum"]))):
                    self.findings.append(f"{where}: enum value {value} removed")
            else:
                for value in sorted(set(map(str, n["enum"])) - set(map(str, o["enum"]))):
                    self.findings.append(f"{where}: enum value {value} added")
        elif "enum" in n and request and "enum" not in o:
            self.findings.append(f"{where}: now limited to {', '.join(map(str, n['enum']))}")
        if "items" in o and "items" in n:
            self.schema(f"{where}[]", o["items"], n["items"], request=request)
        self._properties(where, o, n, request=request)

    def _properties(self, where: str, o: dict[str, Any], n: dict[str, Any], *, request: bool) -> None:
        old_props, new_props = o.get("properties") or {}, n.get("properties") or {}
        old_req, new_req = set(o.get("required") or []), set(n.get("required") or [])
        if not old_props and not new_props:
            return
        for name in sorted(old_props):
            if name not in new_props:
                self.findings.append(f"{where}.{name}: removed")
            elif request and name in new_req and name not in old_req:
                self.findings.append(f"{where}.{name}: became required")
            elif not request and name in old_req and name not in new_req:
                self.findings.append(f"{where}.{name}: became optional")
            else:
                self.schema(f"{where}.{name}", old_props[name], new_props[name], request=request)
        if request:
            for name in sorted(new_req - set(old_props)):
                self.findings.append(f"{where}.{name}: new required property")

    def operation(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if new.get("operationId") != old.get("operationId"):
            self.findings.append(f"{name}: operationId became {new.get('operationId')}")
        self._parameters(name, old, new)
        self._request_body(name, old, new)
        self._responses(name, old, new)

    def _parameters(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        def by_key(spec: Spec, op: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
            params = [self.resolve(spec, p) for p in op.get("parameters") or []]
            return {(p["in"], p["name"].lower() if p["in"] == "header" else p["name"]): p for p in params}

        old_params, new_params = by_key(self.old, old), by_key(self.new, new)
        for (where, pname), param in sorted(new_params.items()):
            label = f"{name}: {where} parameter {pname}"
            before = old_params.get((where, pname))
            if before is None:
                if param.get("required"):
                    self.findings.append(f"{label}: new and required")
                continue
            if param.get("required") and not before.get("required"):
                self.findings.append(f"{label}: became required")
            self.schema(label, before.get("schema"), param.get("schema"), request=True, parameter=True)

    def _request_body(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        old_body, new_body = (
            self.resolve(self.old, old.get("requestBody")),
            self.resolve(self.new, new.get("requestBody")),
        )
        if not new_body:
            return
        if new_body.get("required") and not (old_body or {}).get("required"):
            self.findings.append(f"{name}: request body became required")
        old_content = (old_body or {}).get("content") or {}
        for media, content in (new_body.get("content") or {}).items():
            if media in old_content:
                self.schema(f"{name} request", old_content[media].get("schema"), content.get("schema"), request=True)
        if old_content and not set(old_content) & set(new_body.get("content") or {}):
            self.findings.append(f"{name}: request media types {', '.join(sorted(old_content))} no longer accepted")

    def _responses(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        new_responses = new.get("responses") or {}
        for status, response in sorted((old.get("responses") or {}).items()):
            if not status.startswith("2"):
                continue
            if status not in new_responses:
                self.findings.append(f"{name} {status}: removed")
                continue
            old_content = self.resolve(self.old, response).get("content") or {}
            new_content = self.resolve(self.new, new_responses[status]).get("content") or {}
            for media, content in sorted(old_content.items()):
                if media not in new_content:
                    self.findings.append(f"{name} {status}: media type {media} removed")
                else:
                    self.schema(
                        f"{name} {status}", content.get("schema"), new_content[media].get("schema"), request=False
                    )


def breaking_changes(old: Spec, new: Spec) -> list[str]:
    """What breaks a client of `old` when the server answers as `new` says; one line each."""
    compare = _Compare(old, new)
    new_paths = new.get("paths") or {}
    for path, item in sorted((old.get("paths") or {}).items()):
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            name = op.get("operationId") or f"{method.upper()} {path}"
            new_op = (new_paths.get(path) or {}).get(method)
            if not isinstance(new_op, dict):
                compare.findings.append(f"{name}: removed ({method.upper()} {path})")
                continue
            compare.operation(name, op, new_op)
    return list(dict.fromkeys(compare.findings))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:3])


def changelog_section(changelog: str, version: str) -> str | None:
    """The text under `## <version>` (up to the next `## `), or None."""
    match = re.search(rf"^## {re.escape(version)}\b.*?$(.*?)(?=^## |\Z)", changelog, re.M | re.S)
    return match.group(1) if match else None


def check_acknowledged(findings: list[str], changelog: str, version: str, released: str) -> list[str]:
    """Problems that fail the check: breaking changes not listed for the new version, or a version
    that was not raised past the released one."""
    if not findings:
        return []
    problems = []
    if version_key(version) <= version_key(released):
        problems.append(f"info.version {version} must be raised past the released {released} for breaking changes")
    section = changelog_section(changelog, version)
    if section is None:
        return [*problems, f"docs/api-changelog.md has no '## {version}' section listing: " + "; ".join(findings)]
    problems += [f"not in docs/api-changelog.md under {version}: {f}" for f in findings if f not in section]
    return problems
