"""Request and response bodies.

Create and update bodies are generated from the domain records (``graph.model``) so the API and
the model cannot drift apart: a create body is the record without its timestamps and with an
optional id (generated when left out); an update body has every field optional (PATCH: only
what is sent changes).  The route then validates the merged data with the record class itself,
so the model's own rules (dates in order, no duplicate participant ...) apply and come back as
422 with the field named.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable
from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from graph.model import (
    CollaborationForm,
    Interest,
    Need,
    Record,
    Role,
    Score,
    Suggestion,
    SuggestionStatus,
    control_character,
)
from workflows.queue import Facets, QueueItem

T = TypeVar("T")

_NOT_INPUT = {"created_at", "updated_at", "active", "version"}


def _find_control(value: Any, where: str) -> str | None:
    """Where in a request body the text rule of the records is broken (graph.model: the
    same rule as the importer's; the records' own validation also refuses line breaks in
    single-line fields)."""
    if isinstance(value, str):
        return where if control_character(value) else None
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _find_control(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def _no_control_characters(cls: type[BaseModel], data: Any) -> Any:
    found = _find_control(data, "")
    if found:
        raise ValueError(f"{found}: 制御文字は使えません / control characters are not allowed")
    return data


class Input(BaseModel):
    """Base of the hand-written request bodies: unknown fields and control characters refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_control(cls, data: Any) -> Any:
        return _no_control_characters(cls, data)


def create_schema(rtype: type[Record], exclude: Collection[str] = ()) -> type[BaseModel]:
    """The body for creating a ``rtype``: its fields without timestamps; ``id`` optional."""
    fields: dict[str, Any] = {}
    for name, info in rtype.model_fields.items():
        if name in _NOT_INPUT or name in exclude:
            continue
        info = copy.copy(info)
        annotation: Any = info.annotation
        if name == "id":
            info.default = None
            annotation = annotation | None
        fields[name] = (annotation, info)
    return create_model(
        f"{rtype.kind}Create",
        __base__=Input,  # unknown fields and control characters refused
        **fields,
    )


def update_schema(rtype: type[Record], exclude: Collection[str] = ()) -> type[BaseModel]:
    """The body for a partial update of a ``rtype``: every field optional, id unchangeable."""
    fields: dict[str, Any] = {}
    for name, info in rtype.model_fields.items():
        if name in _NOT_INPUT or name in exclude or name == "id":
            continue
        info = copy.copy(info)
        info.default = None
        info.default_factory = None
        annotation: Any = info.annotation
        fields[name] = (annotation | None, info)
    return create_model(
        f"{rtype.kind}Update",
        __base__=Input,  # unknown fields and control characters refused
        **fields,
    )


class PageOut(BaseModel, Generic[T]):
    """One page of a list: ``total`` counts every match, ``items`` holds at most ``limit``."""

    items: list[T]
    total: int
    offset: int
    limit: int


class UserOut(BaseModel):
    id: str
    name: str
    role: Role
    org_id: str | None = None


class DecisionIn(Input):
    status: Literal["accepted", "rejected", "deferred"]
    note: str = Field(default="", max_length=4000)


class InterestIn(Input):
    message: str = Field(default="", max_length=4000)
    #: the interested organization; a business user may leave it out (its own is used)
    org_id: str | None = Field(default=None, min_length=1, max_length=200)


class InterestDecisionIn(Input):
    status: Literal["accepted", "declined"]
    note: str = Field(default="", max_length=4000)


class DraftCollaborationIn(Input):
    """Turn an accepted suggestion into a planned collaboration (defaults fill the rest)."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str = Field(default="", max_length=10000)
    form: CollaborationForm = CollaborationForm.PROJECT_COOPERATION
    starts: date | None = None
    ends: date | None = None


class EndIn(Input):
    ends: date | None = None


class EvaluationIn(Input):
    """One partner's evaluation (Saku's five items on 1–5, trust and value, a comment)."""

    org_id: str = Field(min_length=1, max_length=200)
    targets: Score
    form: Score
    strengths: Score
    selection: Score
    relationship: Score
    trust: Score | None = None
    value: Score | None = None
    comment: str = Field(default="", max_length=4000)


class SeatingIn(Input):
    #: a typical 交流会 has 20–80; the pair scores grow with the square
    org_ids: list[str] = Field(min_length=2, max_length=150)
    rounds: int = Field(ge=1, le=20)
    table_size: int = Field(ge=2, le=50)
    seed: int = Field(default=0, ge=0, le=2**31)


class TableOut(BaseModel):
    table: int
    org_ids: list[str]
    score: float


class SeatingOut(BaseModel):
    """A seating: tables per round, and each attendee's name, sector and district by id."""

    rounds: list[list[TableOut]]
    total_score: float
    unmixed_tables: list[dict[str, int]]
    names: dict[str, str]
    sectors: dict[str, str]
    areas: dict[str, str]


#: one table of a posted plan: the organizations' ids (as many as ``SeatingIn`` allows)
SeatedTable = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1, max_length=50)
]


class SeatingPlanIn(Input):
    """A seating plan posted back for its file: ``rounds[r][t]`` lists the organization ids at
    table ``t + 1`` of round ``r + 1`` (as ``SeatingOut`` gives them)."""

    rounds: list[Annotated[list[SeatedTable], Field(min_length=1, max_length=150)]] = Field(
        min_length=1, max_length=20
    )


class QueueOut(PageOut[QueueItem]):
    overdue_days: int
    overdue_total: int
    facets: Facets


class Opportunity(BaseModel):
    need: Need
    score: float


class SuggestionsOut(BaseModel):
    """Suggestions asked for, best first.  ``stored``: whether they are in the store (false
    for a preview, ``?store=false``); ``queued``: a suggestion's id → the open review item
    for its pair, when there is one; ``decided``: a suggestion's id → its decision, when it
    was decided before; ``merged`` (shortlisting): a chosen id → the open item it joined."""

    items: list[Suggestion]
    matcher: dict[str, Any] = Field(default_factory=dict)
    stored: bool = True
    queued: dict[str, str] = Field(default_factory=dict)
    decided: dict[str, SuggestionStatus] = Field(default_factory=dict)
    merged: dict[str, str] = Field(default_factory=dict)


class ShortlistIn(Input):
    """The suggestions of a preview to put into the review queue (their ids)."""

    ids: list[str] = Field(min_length=1, max_length=100)


class InterestOut(Interest):
    pass
