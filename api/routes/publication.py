"""The acts behind the public site, over HTTP: publishing a case (with the partners' consent,
the public summary, chosen comments and recognition), an organization's disclosure level and a
business's contribution list, the plan's indicators, and deciding residents' offers of help.
The rules are :mod:`workflows.publication` and :mod:`workflows.targets`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, Store
from graph.model import (
    CasePublication,
    DisclosureLevel,
    HelpOffer,
    Indicator,
    InterestStatus,
)
from workflows import publication, targets

router = APIRouter(tags=["publication"])


class CaseIn(BaseModel):
    """Only what is given changes."""

    consents: list[str] | None = Field(default=None, description="partners that agreed")
    summary: str | None = Field(default=None, max_length=4000)
    public_comments: list[str] | None = Field(
        default=None, description="partners whose evaluation comment is published"
    )
    published: bool | None = None
    recognised: bool | None = None
    recognised_year: int | None = Field(default=None, ge=1900, le=2200)
    recognition_note: str | None = Field(default=None, max_length=2000)


@router.get("/publication/collaborations", response_model=list[publication.CaseStatus])
def list_cases(store: Store, user: CurrentUser) -> Any:
    """Every ended collaboration with its partners by name and its publication record (staff,
    coordinators, admins): the staff page's list."""
    return publication.case_list(store, user)


@router.get("/publication/organizations", response_model=list[publication.ProfileStatus])
def list_profiles(store: Store, user: CurrentUser) -> Any:
    """Every organization with its disclosure level (staff, coordinators, admins)."""
    return publication.profile_list(store, user)


@router.get("/publication/collaborations/{collaboration_id}", response_model=CasePublication)
def get_case(store: Store, user: CurrentUser, collaboration_id: str) -> Any:
    """A collaboration's publication record (unpublished if none was made)."""
    return publication.get_case(store, user, collaboration_id)


@router.put("/publication/collaborations/{collaboration_id}", response_model=CasePublication)
def set_case(store: Store, user: CurrentUser, collaboration_id: str, body: CaseIn) -> Any:
    """Publish, unpublish, record consent, choose comments, recognise (staff, coordinators,
    admins).  Publishing needs an ended collaboration and every partner's consent (409)."""
    return publication.set_case(store, user, collaboration_id, **body.model_dump())


class ProfileIn(BaseModel):
    level: DisclosureLevel | None = None
    contributions: bool | None = None


@router.get("/publication/organizations/{org_id}")
def get_profile(store: Store, user: CurrentUser, org_id: str) -> Any:
    """An organization's disclosure (hidden if none was set)."""
    return publication.get_profile(store, user, org_id)


@router.put("/publication/organizations/{org_id}")
def set_profile(store: Store, user: CurrentUser, org_id: str, body: ProfileIn) -> Any:
    """Set an organization's disclosure level and a business's published contribution list."""
    return publication.set_profile(
        store, user, org_id, level=body.level, contributions=body.contributions
    )


@router.get("/indicators", response_model=list[Indicator])
def list_indicators(store: Store, user: CurrentUser) -> Any:
    """Every indicator as defined, in the plan's order (staff, coordinators, admins)."""
    return targets.list_indicators(store, user)


@router.put("/indicators/{indicator_id}", response_model=Indicator)
def save_indicator(
    store: Store,
    user: CurrentUser,
    indicator_id: str,
    body: Annotated[dict[str, Any], Body(description="an Indicator without its id")],
) -> Any:
    """Create or replace one of the plan's indicators (staff, coordinators, admins)."""
    return targets.save_indicator(store, user, {**body, "id": indicator_id})


class ActualIn(BaseModel):
    year: int = Field(ge=1900, le=2200)
    value: float
    source: str = Field(min_length=1, max_length=300)


@router.post("/indicators/{indicator_id}/actuals", response_model=Indicator)
def enter_actual(store: Store, user: CurrentUser, indicator_id: str, body: ActualIn) -> Any:
    """Enter one fiscal year's actual of an entered indicator, with its source."""
    return targets.enter_actual(store, user, indicator_id, body.year, body.value, body.source)


@router.delete("/indicators/{indicator_id}", status_code=204)
def delete_indicator(store: Store, user: CurrentUser, indicator_id: str) -> Response:
    targets.delete_indicator(store, user, indicator_id)
    return Response(status_code=204)


class HelpDecisionIn(BaseModel):
    status: Literal[InterestStatus.ACCEPTED, InterestStatus.DECLINED]
    note: str | None = Field(default=None, max_length=2000)


@router.post("/help-offers/{offer_id}/decision", response_model=HelpOffer)
def decide_help_offer(store: Store, user: CurrentUser, offer_id: str, body: HelpDecisionIn) -> Any:
    """A coordinator accepts or declines a resident's offer of help."""
    return publication.decide_help_offer(store, user, offer_id, body.status, body.note)
