"""The seating plan's JSON format: these Structs are its one definition (docs/seating.md).

The same document is the body of `createSeatingPlan` / `replaceSeatingPlan` (import) and the
answer of `exportSeatingPlan` (export); `getSeatingPlan` answers it with every id filled in. The
OpenAPI spec carries its JSON Schema (`SeatingPlanDocument`); `plan_json_schema()` gives it alone.

Coordinates are plan units (the editor's choice; the picker scales the drawing to `width` x
`height`). A seat's x/y are absolute. A section's x/y/rotation/curve describe how it was laid out
(the editor and generation.py use them; rendering needs only the seats). `focus` is the stage:
"best available" prefers seats nearest it (best.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from voelgoed.lib.problems import FieldError, Unprocessable

FORMAT_NAME: Literal["voelgoed-seating"] = "voelgoed-seating"
FORMAT_VERSION: Literal[1] = 1
MAX_SEATS = 100_000
# The request body a plan of MAX_SEATS may need (createSeatingPlan, replaceSeatingPlan): a seat is
# ~60 bytes without its id and ~110 with it (the editor sends back what getSeatingPlan gave it), so
# the app-wide MAX_BODY_BYTES (1 MB, ~18,000 seats) would refuse a stadium with 413.
MAX_PLAN_BODY_BYTES = 16_000_000

Key = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$", examples=["stalls"])]
Label = Annotated[str, Meta(min_length=1, max_length=20, examples=["12"])]
Name = Annotated[str, Meta(min_length=1, max_length=120, examples=["Stalls"])]
Coordinate = Annotated[float, Meta(ge=-1_000_000, le=1_000_000)]
SectionKind = Literal["seated", "standing"]


class Point(msgspec.Struct, forbid_unknown_fields=True):
    """A point on the plan, in plan units."""

    x: Annotated[Coordinate, Meta(description="Across, in plan units.")]
    y: Annotated[Coordinate, Meta(description="Down, in plan units (0: the top of the drawing).")]


class PlanCategory(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A price category of the plan; each event maps it to one of its ticket types."""

    key: Annotated[Key, Meta(description="The plan's own short name of the category; seats refer to it.")]
    name: Annotated[Name, Meta(description="What buyers see, e.g. Front stalls.")]
    color: Annotated[
        str, Meta(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#d04040"], description="Colour on the seat map (#rrggbb).")
    ] = "#888888"
    id: Annotated[uuid.UUID | None, Meta(description="The stored category's id (reads only).")] = None


class PlanSeat(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One seat: its label within the row, where it is drawn, its category and flags."""

    label: Annotated[Label, Meta(description="The seat's number or name within its row.")]
    x: Annotated[Coordinate, Meta(description="Across, in plan units (absolute).")]
    y: Annotated[Coordinate, Meta(description="Down, in plan units (absolute).")]
    category: Annotated[Key, Meta(description="The key of the seat's category.")]
    accessible: Annotated[bool, Meta(description="A wheelchair or accessible seat.")] = False
    restricted_view: Annotated[bool, Meta(description="The view of the stage is partly blocked.")] = False
    id: Annotated[uuid.UUID | None, Meta(description="The seat's id (reads only; ignored on import).")] = None


class PlanRow(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A row of seats, listed left to right as drawn (neighbours in the list are adjacent seats).
    Rows are listed nearest the stage first."""

    label: Annotated[Label, Meta(description="The row's label, e.g. A.")]
    seats: Annotated[list[PlanSeat], Meta(description="The row's seats, left to right as drawn.")]
    id: Annotated[uuid.UUID | None, Meta(description="The stored row's id (reads only).")] = None


class PlanSection(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A seated section (rows of seats) or a standing area (a capacity, no seats)."""

    key: Annotated[Key, Meta(description="The plan's own short name of the section, unique in the plan.")]
    name: Annotated[Name, Meta(description="What buyers see, e.g. Stalls.")]
    kind: Annotated[SectionKind, Meta(description="seated (rows of seats) or standing (a capacity).")] = "seated"
    capacity: Annotated[
        Annotated[int, Meta(ge=0, le=1_000_000)] | None,
        Meta(description="Places in a standing area (standing areas only)."),
    ] = None
    category: Annotated[Key | None, Meta(description="A standing area's category (standing areas only).")] = None
    x: Annotated[Coordinate, Meta(description="Where the editor placed the section: across.")] = 0.0
    y: Annotated[Coordinate, Meta(description="Where the editor placed the section: down.")] = 0.0
    rotation: Annotated[float, Meta(ge=-360, le=360, description="The section's turn, in degrees.")] = 0.0
    curve: Annotated[float, Meta(ge=-1, le=1, description="How much the rows bend towards the stage, -1..1.")] = 0.0
    rows: Annotated[list[PlanRow], Meta(description="Rows of a seated section, nearest the stage first.")] = (
        msgspec.field(default_factory=list)
    )
    id: Annotated[uuid.UUID | None, Meta(description="The stored section's id (reads only).")] = None


class SeatingPlanDocument(msgspec.Struct, forbid_unknown_fields=True):
    """A seating plan in VoelgoedEvents' portable JSON format (docs/seating.md)."""

    name: Annotated[str, Meta(min_length=1, max_length=200, examples=["Main hall"], description="The plan's name.")]
    categories: Annotated[list[PlanCategory], Meta(description="The price categories seats belong to.")]
    sections: Annotated[list[PlanSection], Meta(description="Seated sections and standing areas, in order.")]
    format: Annotated[Literal["voelgoed-seating"], Meta(description="Names this format.")] = FORMAT_NAME
    format_version: Annotated[Literal[1], Meta(description="The format's version.")] = FORMAT_VERSION
    width: Annotated[float, Meta(gt=0, le=1_000_000, description="The drawing's width, in plan units.")] = 1000.0
    height: Annotated[float, Meta(gt=0, le=1_000_000, description="The drawing's height, in plan units.")] = 1000.0
    focus: Annotated[Point, Meta(description="The stage: best available prefers seats nearest it.")] = msgspec.field(
        default_factory=lambda: Point(500.0, 0.0)
    )
    id: Annotated[uuid.UUID | None, Meta(description="The stored plan version (reads; null in exports).")] = None
    version: Annotated[int | None, Meta(description="The plan's version (reads; null in exports).")] = None


def plan_json_schema() -> dict[str, object]:
    return msgspec.json.schema(SeatingPlanDocument)


def decode_plan(raw: bytes | str) -> SeatingPlanDocument:
    """Parse and check a document (422 with the path of what is wrong)."""
    try:
        doc = msgspec.json.decode(raw, type=SeatingPlanDocument)
    except msgspec.ValidationError as exc:
        raise Unprocessable(f"Not a valid seating plan: {exc}") from None
    except msgspec.DecodeError as exc:
        raise Unprocessable(f"Not JSON: {exc}") from None
    check_plan(doc)
    return doc


def check_plan(doc: SeatingPlanDocument) -> None:
    """The rules a schema cannot say: unique keys and labels, categories that exist, standing
    areas with a capacity and a category, seated sections without. Every error is listed."""
    errors: list[FieldError] = []
    keys = [c.key for c in doc.categories]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            errors.append(FieldError(f"categories.{i}.key", f"Category {key!r} is listed twice."))
    known = set(keys)
    seen_sections: set[str] = set()
    seats = 0
    for s, section in enumerate(doc.sections):
        at = f"sections.{s}"
        if section.key in seen_sections:
            errors.append(FieldError(f"{at}.key", f"Section {section.key!r} is listed twice."))
        seen_sections.add(section.key)
        if section.kind == "standing":
            if section.capacity is None:
                errors.append(FieldError(f"{at}.capacity", "A standing area needs a capacity."))
            if section.category is None:
                errors.append(FieldError(f"{at}.category", "A standing area needs a category."))
            elif section.category not in known:
                errors.append(FieldError(f"{at}.category", f"No category {section.category!r} in this plan."))
            if section.rows:
                errors.append(FieldError(f"{at}.rows", "A standing area has no rows of seats."))
            continue
        if section.capacity is not None:
            errors.append(FieldError(f"{at}.capacity", "Only standing areas have a capacity; seats count themselves."))
        if section.category is not None:
            errors.append(FieldError(f"{at}.category", "A seated section's seats carry their own category."))
        row_labels: set[str] = set()
        for r, row in enumerate(section.rows):
            if row.label in row_labels:
                errors.append(FieldError(f"{at}.rows.{r}.label", f"Row {row.label!r} is listed twice."))
            row_labels.add(row.label)
            seat_labels: set[str] = set()
            for n, seat in enumerate(row.seats):
                seats += 1
                if seat.label in seat_labels:
                    errors.append(
                        FieldError(f"{at}.rows.{r}.seats.{n}.label", f"Seat {seat.label!r} is in this row twice.")
                    )
                seat_labels.add(seat.label)
                if seat.category not in known:
                    errors.append(
                        FieldError(f"{at}.rows.{r}.seats.{n}.category", f"No category {seat.category!r} in this plan.")
                    )
        if len(errors) > 50:
            break
    if seats > MAX_SEATS:
        errors.append(FieldError("sections", f"At most {MAX_SEATS} seats per plan."))
    if errors:
        raise Unprocessable(
            errors[0].message if len(errors) == 1 else f"{len(errors)} problems in the plan.", errors=errors
        )


def without_ids(doc: SeatingPlanDocument) -> SeatingPlanDocument:
    """The portable form (export): the same document without the stored ids and version."""
    return msgspec.structs.replace(
        doc,
        id=None,
        version=None,
        categories=[msgspec.structs.replace(c, id=None) for c in doc.categories],
        sections=[
            msgspec.structs.replace(
                s,
                id=None,
                rows=[
                    msgspec.structs.replace(r, id=None, seats=[msgspec.structs.replace(x, id=None) for x in r.seats])
                    for r in s.rows
                ],
            )
            for s in doc.sections
        ],
    )
