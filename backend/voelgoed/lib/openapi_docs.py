"""Descriptions and examples in the OpenAPI spec, taken from the code that defines the API.

- Operations: a handler's docstring is a summary line, a blank line, then the description: the
  first paragraph becomes the summary (unless `summary=` is set), the rest the description (an
  operation without one gets none, and the test names it), and a line saying who
  may call it is added from the handler's `opt["access"]` by auth/permissions.describe_access (so
  it can never drift from the guard).
- Schemas: a Struct's docstring is its description; its example is built from its fields: the
  field's `Meta(examples=[...])`, else the example for its name (lib/openapi_glossary.py), else its
  default, else one for its type. Nested Structs give their own example, so one change of a field's
  example shows everywhere. tests/unit/test_openapi_descriptions.py checks that every example
  validates against its schema and decodes into its Struct. (Litestar drops null values from
  examples: nullable fields show a value.)
- Properties: `Meta(description=...)` on the field; fields with a generic name (`id`,
  `created_at`, `*_cents` ...) get the house convention from `FIELD_GLOSSARY` when they have none.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.routes import HTTPRoute

from voelgoed.lib.openapi_glossary import (
    DATETIME_DEFAULT,
    DATETIME_EXAMPLES,
    INT_EXAMPLES,
    NAME_EXAMPLES,
    SCHEMA_DOCS,
    glossary_for,
)

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import OpenAPI, Schema
    from litestar.typing import FieldDefinition

_EXAMPLE_NAMESPACE = uuid.UUID("6f1c2a4e-9a5b-4c1e-8d0a-2b7c3e5f6a10")


def example_uuid(name: str) -> str:
    """The same field name gets the same id in every example, so examples agree with each other."""
    key = name.removesuffix("_ids").removesuffix("_id") or name
    return str(uuid.uuid5(_EXAMPLE_NAMESPACE, key))


def struct_description(cls: type) -> str | None:
    doc = cls.__doc__
    return inspect.cleandoc(doc) if doc else None


def struct_example(cls: type[msgspec.Struct]) -> dict[str, Any]:
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
    named = field.name in INT_EXAMPLES or field.name in DATETIME_EXAMPLES
    default = field.default
    if default not in (msgspec.NODEFAULT, msgspec.UNSET, None) and not named and not _meta_examples(field.type):
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
        words = ((t.extra_json_schema or {}).get("extra") or {}).get("enum")  # lib/closed_sets.documented_as
        return words[0] if words else _example(t.type, name)
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
        return DATETIME_EXAMPLES.get(name, DATETIME_DEFAULT)
    if isinstance(t, m.DateType):
        return "2026-12-12"
    if isinstance(t, m.BoolType):
        return False
    if isinstance(t, m.IntType):
        return _bounded(_int_example(name), t.ge, t.le)
    if isinstance(t, m.FloatType):
        return 1.5
    if isinstance(t, m.StrType):
        return "R250.00" if name.endswith("_display") else name.replace("_", " ")
    if isinstance(t, m.NoneType):
        return None
    return {}


def _int_example(name: str) -> int:
    if name in INT_EXAMPLES:
        return INT_EXAMPLES[name]
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
        properties = schema.properties or {}
        for name, prop in properties.items():
            if getattr(prop, "description", None) is None and (text := glossary_for(name, properties)):
                prop.description = text
        _remember_enums(msgspec.inspect.type_info(cls))
        return schema


# Litestar copies the first field's `Meta(description=...)` onto a shared enum component; the enum's
# own docstring is put back by document_spec(), from the enums met here.
_ENUM_DOCS: dict[str, str] = {}


def _remember_enums(t: msgspec.inspect.Type) -> None:
    m = msgspec.inspect
    if isinstance(t, m.StructType):
        for field in t.fields:
            _remember_enums(field.type)
    elif isinstance(t, m.EnumType):
        if t.cls.__doc__:
            _ENUM_DOCS[t.cls.__name__] = inspect.cleandoc(t.cls.__doc__)
    elif isinstance(t, m.Metadata):
        _remember_enums(t.type)
    elif isinstance(t, m.UnionType):
        for member in t.types:
            if not isinstance(member, m.StructType):
                _remember_enums(member)
    elif isinstance(t, (m.ListType, m.SetType, m.FrozenSetType, m.VarTupleType)):
        _remember_enums(t.item_type)
    elif isinstance(t, m.DictType):
        _remember_enums(t.value_type)


def split_docstring(doc: str | None) -> tuple[str | None, str | None]:
    """("First paragraph as one line", "the rest") of a docstring."""
    if not doc:
        return None, None
    first, _, rest = inspect.cleandoc(doc).partition("\n\n")
    return " ".join(first.split()), rest.strip() or None


def document_operations(app: Litestar, spec: OpenAPI, describe_access: Callable[[Any], str]) -> None:
    """Summaries and descriptions from handler docstrings, plus who may call each operation
    (`describe_access(handler.opt)`)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or spec.paths is None or route.path_format not in spec.paths:
            continue
        path_item = spec.paths[route.path_format]
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            first, rest = split_docstring(handler.fn.__doc__)
            summary: str | None
            description: str | None
            if handler.description is not None:  # set in the decorator: taken as it is
                summary, description = handler.summary or first, handler.description
            elif handler.summary is not None:
                summary, description = handler.summary, inspect.cleandoc(handler.fn.__doc__ or "") or None
            else:
                summary, description = first, rest
            note = describe_access(handler.opt)
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
    for name, doc in _ENUM_DOCS.items():
        if name in schemas and getattr(schemas[name], "enum", None):
            schemas[name].description = doc
    for name, (description, example, property_docs) in SCHEMA_DOCS.items():
        schema = schemas.get(name)
        if schema is None or not hasattr(schema, "properties"):
            continue
        if not schema.description:
            schema.description = description
        if not schema.examples:
            schema.examples = [example]
        properties = schema.properties or {}
        for prop_name, prop in properties.items():
            text = property_docs.get(prop_name) or glossary_for(prop_name, properties)
            if getattr(prop, "description", None) is None and text:
                prop.description = text


def document_spec(app: Litestar, describe_access: Callable[[Any], str]) -> None:
    spec = app.openapi_schema
    document_operations(app, spec, describe_access)
    document_components(spec)


__all__ = [
    "DocumentedStructSchemaPlugin",
    "document_spec",
    "struct_example",
]
