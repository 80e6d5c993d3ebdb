"""The public site's JSON, with no sign-in: open public needs and the offer of help, the case
collection, recognised projects, cooperating businesses, the organization directory and the
plan's targets.  What may appear is decided in :mod:`workflows.publication` and
:mod:`workflows.targets`; these routes parse, call and answer."""

from __future__ import annotations

import secrets
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import Store
from graph.errors import InvalidInput
from graph.model import CollaborationForm, ResourceKind, Sector, parse_field
from workflows import publication, targets
from workflows.publication import (
    FormGuard,
    PublicBusiness,
    PublicCase,
    PublicNeed,
    PublicOrganization,
    RateLimit,
    RateLimited,
)
from workflows.targets import IndicatorReport

router = APIRouter(prefix="/public", tags=["public"])
_state_lock = threading.Lock()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_guard(request: Request) -> FormGuard:
    """The app's form-token signer (a fresh secret per app)."""
    state = request.app.state
    with _state_lock:
        if getattr(state, "form_guard", None) is None:
            state.form_guard = FormGuard(secrets.token_bytes(32))
        guard: FormGuard = state.form_guard
    return guard


def rate_limit(request: Request) -> RateLimit:
    """The app's per-address limit on offers of help (in memory)."""
    state = request.app.state
    with _state_lock:
        if getattr(state, "offer_rate_limit", None) is None:
            state.offer_rate_limit = RateLimit()
        limit: RateLimit = state.offer_rate_limit
    return limit


def field_code(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parse_field(value)
    except ValueError as exc:
        raise InvalidInput("活動分野が正しくありません", str(exc)) from exc


Text = Annotated[str | None, Query(max_length=200)]
FieldQ = Annotated[str | None, Query(max_length=100, description="activity field (code or name)")]
AreaQ = Annotated[str | None, Query(max_length=100)]


@router.get("/needs", response_model=list[PublicNeed])
def needs(
    store: Store,
    q: Text = None,
    field: FieldQ = None,
    area: AreaQ = None,
    resource_kind: ResourceKind | None = None,
) -> Any:
    """Open public needs, newest first, searchable by text, field, district and resource."""
    return publication.public_needs(store, q, field_code(field), area or None, resource_kind)


@router.get("/needs/{need_id}", response_model=PublicNeed)
def need(store: Store, need_id: str) -> Any:
    """One open public need (404 for every other need)."""
    return publication.public_need(store, need_id)


class FormToken(BaseModel):
    token: str
    min_seconds: float


@router.get("/form-token", response_model=FormToken)
def form_token(response: Response, guard: Annotated[FormGuard, Depends(form_guard)]) -> Any:
    """A signed token for the offer-of-help form: send it with the form, no sooner than
    ``min_seconds`` after fetching it."""
    response.headers["Cache-Control"] = "no-store"
    return FormToken(token=guard.issue(), min_seconds=guard.min_seconds)


class HelpOfferIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    message: str = Field(default="", max_length=2000)
    token: str = Field(max_length=200)
    #: the honeypot: a field people never see (hidden by the page); a bot fills it in
    website: str = Field(default="", max_length=500)


class Received(BaseModel):
    received: Literal[True] = True


@router.post("/needs/{need_id}/offers", response_model=Received, status_code=202)
def offer_help(
    request: Request,
    store: Store,
    need_id: str,
    body: HelpOfferIn,
    guard: Annotated[FormGuard, Depends(form_guard)],
    limit: Annotated[RateLimit, Depends(rate_limit)],
) -> Any:
    """A resident offers help with an open public need; it waits in the coordinators' queue.
    No account; the form's token, its honeypot and a per-address limit keep bots out."""
    try:
        publication.offer_help(
            store,
            need_id,
            name=body.name,
            email=body.email,
            phone=body.phone,
            message=body.message,
            token=body.token,
            honeypot=body.website,
            address=request.client.host if request.client else "unknown",
            guard=guard,
            limit=limit,
        )
    except RateLimited as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "3600"}) from exc
    return Received()


@router.get("/cases", response_model=list[PublicCase])
def cases(
    store: Store,
    field: FieldQ = None,
    area: AreaQ = None,
    form: CollaborationForm | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="fiscal year started")] = None,
    recognised: bool | None = None,
) -> Any:
    """The case collection (事例集): ended collaborations every partner agreed to publish."""
    return publication.case_collection(
        store, field_code(field), area or None, form, year, recognised
    )


@router.get("/cases/{case_id}", response_model=PublicCase)
def case(store: Store, case_id: str) -> Any:
    """One published case (404 for every other collaboration)."""
    return publication.public_case(store, case_id)


@router.get("/recognised", response_model=list[PublicCase])
def recognised(store: Store) -> Any:
    """Recognised projects (優良事業), marked by staff."""
    return publication.case_collection(store, recognised=True)


@router.get("/businesses", response_model=list[PublicBusiness])
def businesses(store: Store) -> Any:
    """Cooperating businesses and their published contributions."""
    return publication.cooperating_businesses(store)


@router.get("/organizations", response_model=list[PublicOrganization])
def organizations(
    store: Store,
    q: Text = None,
    sector: Sector | None = None,
    area: AreaQ = None,
    field: FieldQ = None,
) -> Any:
    """The organization directory, each at the disclosure level a coordinator set."""
    return publication.directory(store, q, sector, area or None, field_code(field))


@router.get("/indicators", response_model=IndicatorReport)
def indicators(store: Store) -> Any:
    """The plan's indicators: baseline, actuals, targets, achievement and progress."""
    return targets.report(store)


@router.get("/indicators.xlsx", response_class=Response)
def indicators_xlsx(store: Store, lang: Annotated[Literal["ja", "en"], Query()] = "ja") -> Response:
    """The indicator report as an XLSX workbook, in Japanese or English."""
    body = targets.report_xlsx(targets.report(store), lang)
    name = "indicators.xlsx" if lang == "en" else "seika-shihyo.xlsx"
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
