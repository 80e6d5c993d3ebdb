"""Matching events (交流会): a seating plan over rounds that maximises the suggestion score,
and the plan as a CSV or XLSX file.  The rules are :mod:`workflows.events`."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from api.deps import Coordinator, MatcherDep, Store
from api.schemas import SeatingIn, SeatingOut, SeatingPlanIn
from matching.events import SeatingError
from workflows import events

router = APIRouter(tags=["events"])

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _field_error(exc: SeatingError) -> RequestValidationError:
    """A seating refused as a validation error of the input it names (a form shows it there)."""
    return RequestValidationError(
        [{"loc": ("body", exc.field), "msg": str(exc), "type": "seating", "input": None}]
    )


@router.post("/events/seating", response_model=SeatingOut)
def seating(body: SeatingIn, store: Store, user: Coordinator, matcher: MatcherDep) -> Any:
    """Seat the attending organizations for ``rounds`` rounds at tables of ``table_size``:
    no pair meets twice, tables mix sectors, and the total pair score is as high as possible.
    An impossible request is a 422 whose ``loc`` names the input to change."""
    try:
        plan = events.seating(
            store,
            user,
            matcher.pair_scores,
            body.org_ids,
            body.rounds,
            body.table_size,
            seed=body.seed,
        )
    except SeatingError as exc:
        raise _field_error(exc) from exc
    return plan.to_dict()


@router.post(
    "/events/seating/export/{fmt}",
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
def seating_file(
    fmt: Literal["csv", "xlsx"],
    body: SeatingPlanIn,
    store: Store,
    user: Coordinator,
    lang: Literal["ja", "en"] = Query("ja"),
) -> Response:
    """The plan posted (as ``/events/seating`` answered it) as a file: CSV (UTF-8 with BOM) or
    XLSX with one sheet per round; one row per seat with the name, sector and district."""
    try:
        plan = events.checked_plan(store, user, body.rounds)
    except SeatingError as exc:
        raise _field_error(exc) from exc
    content = events.plan_csv(plan, lang) if fmt == "csv" else events.plan_xlsx(plan, lang)
    return Response(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="tsunagu-seating.{fmt}"'},
    )
