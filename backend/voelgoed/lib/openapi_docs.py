"""Descriptions and examples in the OpenAPI spec, taken from the code that defines the API.

- Operations: a handler's docstring is "Summary line.\\n\\nDescription ...": the first paragraph
  becomes the summary (unless `summary=` is set), the rest the description, and a line saying who
  may call it is added from the handler's `opt["access"]` (so it can never drift from the guard).
- Schemas: a Struct's docstring is its description; its example is built from its fields
  (`Meta(examples=[...])`, else the example for the field's name below, else one for its type)
  unless `STRUCT_EXAMPLES` holds an explicit instance. tests/unit/test_openapi_descriptions.py
  checks that every example validates against its schema and decodes into its Struct.
- Properties: `Meta(description=...)` on the field; fields with a generic name (`id`,
  `created_at`, `*_cents` ...) get the house convention from `FIELD_GLOSSARY` when they have none.
"""

from __future__ import annotations

import inspect
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.routes import HTTPRoute

from voelgoed.lib.openapi_glossary import FIELD_GLOSSARY, NAME_EXAMPLES, SCHEMA_DOCS, glossary_for

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import OpenAPI, Schema
    from litestar.typing import FieldDefinition

# Explicit example instances for Structs whose generated example would say less than a real one.
STRUCT_EXAMPLES: dict[type[msgspec.Struct], msgspec.Struct] = {}

_EXAMPLE_NAMESPACE = uuid.UUID("6f1c2a4e-9a5b-4c1e-8d0a-2b7c3e5f6a10")
_METHODS = ("get", "put", "post", "delete", "patch")


def example_uuid(name: str) -> str:
    """The same field name gets the same id in every example, so examples agree with each other."""
    key = name.removesuffix("_ids").removesuffix("_id") or name
    return str(uuid.uuid5(_EXAMPLE_NAMESPACE, key))


def struct_description(cls: type) -> str | None:
    doc = cls.__doc__
    return inspect.cleandoc(doc) if doc else None


def struct_example(cls: type[msgspec.Struct]) -> dict[str, Any]:
    if cls in STRUCT_EXAMPLES:
        return msgspec.to_builtins(STRUCT_EXAMPLES[cls])  # type: ignore[no-any-return]
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    example: dict[str, Any] = {}
    if info.tag_field is not None:
        example[info.tag_field] = info.tag
    for field in info.fields:
        value = _field_example(field)
        if value is not _SKIP:
            example[field.encode_name] = value
    return example


_SKIP = object()


def _field_example(field: msgspec.inspect.Field) -> Any:
    if field.name in NAME_EXAMPLES and not _meta_examples(field.type):
        return NAME_EXAMPLES[field.name]
    default = field.default
    if default not in (msgspec.NODEFAULT, msgspec.UNSET, None) and not _meta_examples(field.type):
        return msgspec.to_builtins(default)
    return _example(field.type, field.name)


def _meta_examples(t: msgspec.inspect.Type) -> list[Any]:
    if isinstance(t, msgspec.inspect.UnionType):
        return next((ex for ex in map(_meta_examples, t.types) if ex), [])
    if isinstance(t, msgspec.inspect.Metadata):
        return list((t.extra_json_schema or {}).get("examples") or [])
    return []


def _example(t: msgspec.inspect.Type, name: str) -> Any:
    if examples := _meta_examples(t):
        return examples[0]
    m = msgspec.inspect
    if isinstance(t, m.Metadata):
        return _example(t.type, name)
    if isinstance(t, m.UnionType):
        real = [x for x in t.types if not isinstance(x, m.NoneType)]
        return _example(real[0], name) if real else None
    if name in NAME_EXAMPLES:
        return NAME_EXAMPLES[name]
    if isinstance(t, m.StructType):
        return struct_example(t.cls)
    if isinstance(t, (m.ListType, m.SetType, m.FrozenSetType, m.VarTupleType)):
        item = name.removesuffix("s") if name.endswith("s") else name
        return [_example(t.item_type, item)]
    if isinstance(t, m.DictType):
        return {}
    if isinstance(t, m.EnumType):
        return next(iter(t.cls)).value
    if isinstance(t, m.LiteralType):
        return t.values[0]
    if isinstance(t, m.UUIDType):
        return example_uuid(name)
    if isinstance(t, m.DateTimeType):
        return "2026-12-12T16:00:00Z"
    if isinstance(t, m.DateType):
        return "2026-12-12"
    if isinstance(t, m.BoolType):
        return False
    if isinstance(t, m.IntType):
        return _bounded(_int_example(name), t.ge, t.le)
    if isinstance(t, m.FloatType):
        return 1.5
    if isinstance(t, m.StrType):
        return name.replace("_", " ")
    if isinstance(t, m.NoneType):
        return None
    return {}


def _int_example(name: str) -> int:
    if name.endswith("_cents"):
        return 25_000  # R250.00
    if name.endswith("_bp"):
        return 1_500  # 15% VAT in basis points
    if name in {"page"}:
        return 1
    if name.endswith("page_size") or name == "limit":
        return 50
    if "capacity" in name or name in {"total", "available", "sold"}:
        return 500
    return 2


def _bounded(value: int, ge: int | None, le: int | None) -> int:
    if ge is not None:
        value = max(value, ge)
    if le is not None:
        value = min(value, le)
    return value


class DocumentedStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's Struct schemas plus the Struct's docstring, an example and glossary descriptions."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        cls = field_definition.type_
        if schema.description is None:
            schema.description = struct_description(cls)
        if not schema.examples:
            schema.examples = [struct_example(cls)]
        for name, prop in (schema.properties or {}).items():
            if getattr(prop, "description", None) is None and (text := glossary_for(name)):
                prop.description = text
        return schema


def access_note(level: object) -> str:
    from voelgoed.auth.permissions import ROLE_PERMISSIONS, Access, Permission

    if level == Access.PUBLIC:
        return "Access: public, no sign-in needed."
    if level == Access.USER:
        return "Access: any signed-in user."
    if level == Access.DEVICE:
        return "Access: a paired scanner's device token."
    if isinstance(level, Permission):
        roles = [role.value for role, perms in ROLE_PERMISSIONS.items() if level in perms]
        return f"Access: the `{level.value}` permission (roles: {', '.join(roles)})."
    return f"Access: {level}."


def split_docstring(doc: str | None) -> tuple[str | None, str | None]:
    """("First paragraph as one line", "the rest") of a docstring."""
    if not doc:
        return None, None
    first, _, rest = inspect.cleandoc(doc).partition("\n\n")
    return " ".join(first.split()), rest.strip() or None


def document_operations(app: Litestar, spec: OpenAPI) -> None:
    """Summaries and descriptions from handler docstrings, plus who may call each operation."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or spec.paths is None or route.path_format not in spec.paths:
            continue
        path_item = spec.paths[route.path_format]
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            first, rest = split_docstring(handler.fn.__doc__)
            if handler.description is not None:  # set in the decorator: taken as it is
                summary, description = handler.summary or first, handler.description
            elif handler.summary is not None:
                summary, description = handler.summary, inspect.cleandoc(handler.fn.__doc__ or "") or None
            else:
                summary, description = first, rest
            note = access_note(handler.opt.get("access"))
            for method in handler.http_methods:
                operation = getattr(path_item, method.lower(), None)
                if operation is None:
                    continue
                if summary:
                    operation.summary = summary
                # No description of its own: left empty for the test to report (the access line
                # alone says nothing about what the operation does).
                operation.description = f"{description}\n\n{note}" if description else None


def document_components(spec: OpenAPI) -> None:
    """Descriptions and examples for the component schemas that are not Structs (e.g. Problem)."""
    schemas = spec.components.schemas if spec.components and spec.components.schemas else {}
    for name, (description, example) in SCHEMA_DOCS.items():
        schema = schemas.get(name)
        if schema is None or not hasattr(schema, "properties"):
            continue
        if not schema.description:
            schema.description = description
        if not schema.examples:
            schema.examples = [example]
        for prop_name, prop in (schema.properties or {}).items():
            if getattr(prop, "description", None) is None and (text := glossary_for(prop_name)):
                prop.description = text


def document_spec(app: Litestar) -> None:
    spec = app.openapi_schema
    document_operations(app, spec)
    document_components(spec)


__all__ = [
    "FIELD_GLOSSARY",
    "STRUCT_EXAMPLES",
    "DocumentedStructSchemaPlugin",
    "document_spec",
    "struct_example",
]
