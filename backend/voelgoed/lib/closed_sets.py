"""Closed sets of words in the API contract, made from the code that owns them.

A status field of the API says which machine state a row is in, a verdict field which verdict
domain/check_in/rules.py gave, a sort parameter which key of a service's sort allow-list to use.
Typing those fields with an enum puts the set into openapi.json (`enum`, as a named component
schema), so the generated TypeScript of both apps carries it and neither app keeps a copy.

The enums are built from their owners (`states_of(OrderLifecycle)`, `sorts_of(ORDER_SORTS)`), so
adding a state or a sort key changes the contract with no second list to forget. They are StrEnums:
a member equals its wire word, so code comparing `status == "paid"` and rows read from the
database (plain str, which msgspec encodes as is) keep working.

Type checkers see these names as `str` (see `if TYPE_CHECKING` at each definition): an enum made
at run time is opaque to mypy, and the Python side of the contract has always been plain words.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from litestar.params import Parameter


def closed_set(name: str, words: Iterable[str], doc: str) -> type[enum.StrEnum]:
    """A StrEnum named `name` (the component schema's name in openapi.json) whose members are
    `words`, in their order, each member's name and value being the word itself."""
    members = list(dict.fromkeys(words))
    made = enum.StrEnum(name, [(w, w) for w in members])  # type: ignore[misc]
    made.__doc__ = doc  # the schema's description
    return made


def states_of(machine: Any) -> list[str]:
    """The state values of a python-statemachine machine class (what its `status` column holds)."""
    return [state.value for state in machine.states]


def sorts_of(columns: Mapping[str, Any]) -> list[str]:
    """`sort` values a list endpoint accepts for an allow-list of columns (lib/pagination.order_by):
    each key ascending, then each key prefixed with '-' (descending)."""
    return [*columns, *(f"-{key}" for key in columns)]


def documented_as(words: Iterable[str]) -> msgspec.Meta:
    """For a str request field whose service refuses an unknown word itself (422 with a sentence a
    person understands, not the decoder's 400): the spec lists the words, the decoder lets any
    through."""
    return msgspec.Meta(extra_json_schema={"extra": {"enum": [str(w) for w in words]}})


def path_documented_as(words: Iterable[str]) -> Any:
    """The same for a path parameter (`kind: Annotated[str, path_documented_as(KINDS)]`)."""
    return Parameter(schema_extra={"enum": [str(w) for w in words]})
