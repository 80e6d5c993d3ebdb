"""Create, read, update, soft-delete and list organizations, needs, offers and collaborations.

The create/read/update/delete routes are the same for every kind and are made by
:func:`_crud_routes`; the list routes differ by their filters and are written out per kind.
(This module does not use ``from __future__ import annotations``: the generated body classes
must be real objects in the route signatures.)
"""

from collections.abc import Callable, Collection
from datetime import date
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from api.deps import Actor, Reader, Store, embeddings_changed
from api.errors import bilingual, unprocessable
from api.schemas import Input, PageOut, create_schema, update_schema
from api.versions import if_match, with_etag
from graph.model import (
    Area,
    Collaboration,
    CollaborationForm,
    CollaborationStatus,
    Intensity,
    Need,
    NeedStatus,
    Offer,
    Organization,
    Record,
    ResourceKind,
    Sector,
    User,
    Visibility,
    parse_field,
)
from graph.store import MAX_PAGE_SIZE, GraphStore
from workflows import districts, records
from workflows.access import shown

router = APIRouter()

Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="items per page")]
Text = Annotated[str | None, Query(max_length=200, description="free text (full-text search)")]
#: kinds whose texts the matcher embeds
TEXT_KINDS = ("Organization", "Need", "Offer")
PATHS = {
    "Organization": "organizations",
    "Need": "needs",
    "Offer": "offers",
    "Collaboration": "collaborations",
}


def parse_fields(values: list[str] | None) -> list[str] | None:
    """Activity-field query values (codes or names) as codes; 422 for an unknown one."""
    if not values:
        return None
    try:
        return [parse_field(v) for v in values]
    except ValueError as exc:
        raise unprocessable("活動分野が正しくありません", str(exc)) from exc


def list_records(
    store: GraphStore,
    user: User,
    kind: str,
    filters: dict[str, Any],
    q: str | None,
    offset: int,
    limit: int,
    pool: list[Record] | None = None,
) -> PageOut[Any]:
    """One page as ``user`` may see it (:func:`workflows.records.page`)."""
    got = records.page(store, user, kind, filters, q, offset, limit, pool)
    return PageOut(items=got.items, total=got.total, offset=offset, limit=limit)


def _body(endpoint: Callable[..., Any], model: type[BaseModel]) -> None:
    """Declare ``model`` as the JSON body of ``endpoint`` (its ``body`` parameter)."""
    endpoint.__annotations__["body"] = Annotated[model, Body()]


def _crud_routes(rtype: type[Record], exclude: Collection[str] = ()) -> None:
    """Add POST (create), GET/PATCH/DELETE by id for one record kind."""
    kind, path = rtype.kind, PATHS[rtype.kind]
    create_body = create_schema(rtype, exclude)
    update_body = update_schema(rtype, exclude)

    def create(
        request: Request,
        response: Response,
        store: Store,
        user: Actor,
        body: BaseModel,  # the kind's own create body (see _body below)
    ) -> Any:
        data = body.model_dump(exclude_unset=True)
        rec = records.create(store, user, kind, data)
        if kind in TEXT_KINDS:
            embeddings_changed(request)
        return shown(user, with_etag(response, rec), store)

    def read(response: Response, store: Store, user: Reader, id: str) -> Any:
        return shown(user, with_etag(response, records.readable(store, user, kind, id)), store)

    def update(
        request: Request,
        response: Response,
        store: Store,
        user: Actor,
        id: str,
        body: BaseModel,  # the kind's own update body (see _body below)
    ) -> Any:
        changes = body.model_dump(exclude_unset=True)
        stored = records.update(store, user, kind, id, changes, if_match(request))
        if kind in TEXT_KINDS:
            embeddings_changed(request)
        return shown(user, with_etag(response, stored), store)

    def delete(request: Request, response: Response, store: Store, user: Actor, id: str) -> Any:
        deleted = records.delete(store, user, kind, id, if_match(request))
        if kind in TEXT_KINDS:
            embeddings_changed(request)
        return shown(user, with_etag(response, deleted), store)

    # FastAPI reads a route's body model from its signature; the models are made per kind at
    # run time, so they are set here rather than written in the annotations
    _body(create, create_body)
    _body(update, update_body)
    tags: list[str | Enum] = [path]
    router.add_api_route(
        f"/{path}",
        create,
        methods=["POST"],
        response_model=rtype,
        tags=tags,
        status_code=status.HTTP_201_CREATED,
        summary=f"Create a {kind}",
        responses={409: {"description": "id already exists"}, 422: {"description": "invalid"}},
    )
    router.add_api_route(
        f"/{path}/{{id}}",
        read,
        methods=["GET"],
        response_model=rtype,
        tags=tags,
        summary=f"Read a {kind}",
        responses={404: {"description": "not found"}},
    )
    router.add_api_route(
        f"/{path}/{{id}}",
        update,
        methods=["PATCH"],
        response_model=rtype,
        tags=tags,
        summary=f"Change some fields of a {kind}",
        description="Send the ETag of a GET as `If-Match` to get 409 instead of overwriting a "
        "change made since; without it the fields are applied to the latest version.",
        responses={
            404: {"description": "not found"},
            409: {"description": "changed since the If-Match version, or a conflict"},
            422: {"description": "invalid"},
        },
    )
    router.add_api_route(
        f"/{path}/{{id}}",
        delete,
        methods=["DELETE"],
        response_model=rtype,
        tags=tags,
        summary=f"Soft-delete a {kind} (it disappears from lists and suggestions)",
        responses={404: {"description": "not found"}},
    )


@router.get("/organizations", response_model=PageOut[Organization], tags=["organizations"])
def list_organizations(
    store: Store,
    user: Reader,
    sector: Annotated[list[Sector] | None, Query()] = None,
    area: Annotated[list[str] | None, Query()] = None,
    field: Annotated[list[str] | None, Query(description="activity field code or name")] = None,
    subtype: Annotated[list[str] | None, Query()] = None,
    q: Text = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Organizations, filtered (any of the values per filter) and paged."""
    filters = {"sector": sector, "area": area, "fields": parse_fields(field), "subtype": subtype}
    return list_records(store, user, "Organization", filters, q, offset, limit)


@router.get("/needs", response_model=PageOut[Need], tags=["needs"])
def list_needs(
    store: Store,
    user: Reader,
    org_id: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[NeedStatus] | None, Query()] = None,
    visibility: Annotated[list[Visibility] | None, Query()] = None,
    area: Annotated[list[str] | None, Query()] = None,
    field: Annotated[list[str] | None, Query()] = None,
    resource_kind: Annotated[list[ResourceKind] | None, Query()] = None,
    skill: Annotated[list[str] | None, Query()] = None,
    q: Text = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Needs; a business sees public needs only (and all of its own)."""
    filters: dict[str, Any] = {
        "org_id": org_id,
        "status": status,
        "visibility": visibility,
        "area": area,
        "fields": parse_fields(field),
        "resource_kinds": resource_kind,
        "skills": skill,
    }
    filters = records.need_filters(user, filters)
    return list_records(store, user, "Need", filters, q, offset, limit)


@router.get("/offers", response_model=PageOut[Offer], tags=["offers"])
def list_offers(
    store: Store,
    user: Reader,
    org_id: Annotated[list[str] | None, Query()] = None,
    area: Annotated[list[str] | None, Query()] = None,
    field: Annotated[list[str] | None, Query()] = None,
    resource_kind: Annotated[list[ResourceKind] | None, Query()] = None,
    skill: Annotated[list[str] | None, Query()] = None,
    q: Text = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """What organizations offer (people, goods, funds, knowledge, skills, information, venues)."""
    filters: dict[str, Any] = {
        "org_id": org_id,
        "area": area,
        "fields": parse_fields(field),
        "resource_kinds": resource_kind,
        "skills": skill,
    }
    return list_records(store, user, "Offer", filters, q, offset, limit)


@router.get("/collaborations", response_model=PageOut[Collaboration], tags=["collaborations"])
def list_collaborations(
    store: Store,
    user: Reader,
    org_id: Annotated[str | None, Query(description="a participating organization")] = None,
    status: Annotated[list[CollaborationStatus] | None, Query()] = None,
    form: Annotated[list[CollaborationForm] | None, Query()] = None,
    intensity: Annotated[list[Intensity] | None, Query()] = None,
    starts_from: Annotated[date | None, Query()] = None,
    starts_until: Annotated[date | None, Query()] = None,
    q: Text = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Collaborations; a business sees the ones its organization takes part in."""
    org_id = records.collaborations_org(user, org_id)
    filters = {"status": status, "form": form, "intensity": intensity}
    pool: list[Record] | None = None
    if org_id is not None:
        pool = list(store.collaborations_of(org_id))
    if starts_from or starts_until:
        if pool is None:
            pool = list(store.iter_all("Collaboration", filters))
        pool = [
            c
            for c in pool
            if isinstance(c, Collaboration)
            and (starts_from is None or c.starts >= starts_from)
            and (starts_until is None or c.starts <= starts_until)
        ]
    return list_records(store, user, "Collaboration", filters, q, offset, limit, pool)


class DistrictIn(Input):
    """A district registered on purpose."""

    name: str = Field(min_length=1, max_length=100)
    name_kana: str | None = Field(default=None, max_length=200)


@router.get("/districts", response_model=list[Area], tags=["districts"])
def list_districts(store: Store, user: Reader) -> Any:
    """The registered districts, by reading (the only values a record's ``area`` may take)."""
    return districts.registered(store)


@router.post(
    "/districts",
    response_model=Area,
    tags=["districts"],
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "registered already"}},
)
def register_district(store: Store, user: Reader, body: DistrictIn) -> Any:
    """Register a new district (coordinators and admins)."""
    return districts.register(store, user, body.name, body.name_kana)


RESTORABLE_PATHS = {PATHS[k]: k for k in records.RESTORABLE}


def restorable_kind(path: str) -> str:
    """The record kind of a restorable path (``organizations``, ``needs``, ``offers``)."""
    kind = RESTORABLE_PATHS.get(path)
    if kind is None:
        raise not_found_path(path)
    return kind


def not_found_path(path: str) -> HTTPException:
    return HTTPException(
        404,
        bilingual(
            f"{path!r} の削除済み一覧はありません",
            f"no deleted list for {path!r}; one of {', '.join(RESTORABLE_PATHS)}",
        ),
    )


@router.get(
    "/deleted/{path}", response_model=PageOut[Organization | Need | Offer], tags=["records"]
)
def list_deleted(
    store: Store, user: Reader, path: str, offset: Offset = 0, limit: Limit = 50
) -> Any:
    """Soft-deleted organizations, needs or offers, last changed first (coordinators)."""
    got = records.deleted(store, user, restorable_kind(path), offset, limit)
    return PageOut(items=got.items, total=got.total, offset=offset, limit=limit)


@router.post("/{path}/{id}/restore", response_model=Organization | Need | Offer, tags=["records"])
def restore_record(
    request: Request, response: Response, store: Store, user: Reader, path: str, id: str
) -> Any:
    """Bring a soft-deleted organization, need or offer back (coordinators)."""
    kind = restorable_kind(path)
    restored = records.restore(store, user, kind, id, if_match(request))
    embeddings_changed(request)
    return with_etag(response, restored)


_crud_routes(Organization)
_crud_routes(Need)
_crud_routes(Offer)
# Evaluations are added one partner at a time (POST /collaborations/{id}/evaluations).
_crud_routes(Collaboration, exclude={"evaluations"})
