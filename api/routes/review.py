"""The coordinators' queue and their response times, over HTTP (the rules are
:mod:`workflows.queue`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from api.deps import AppSettings, Coordinator, Store
from api.routes.records import Limit, Offset
from api.schemas import QueueOut
from graph.cells import safe_csv_writer
from graph.export import CSV_ENCODING
from workflows import queue as queue_flow
from workflows.queue import BadFilter, QueueQuery, ResponseTimes

router = APIRouter(tags=["review"])

#: the filters are read as text and checked by the workflow, which refuses a bad value in both
#: languages (422)
KindQ = Annotated[
    str | None,
    Query(max_length=40, description="suggestion, interest or help_offer (empty: every kind)"),
]
CoordinatorQ = Annotated[
    str | None,
    Query(
        max_length=200,
        description="the id of the coordinator who put the item in the queue; none: nobody yet",
    ),
]
OverdueQ = Annotated[
    str | None,
    Query(max_length=10, description="true: only overdue items; false: only those not overdue"),
]
OrgQ = Annotated[
    str | None, Query(max_length=200, description="an organization on either side of the item")
]
DistrictQ = Annotated[
    str | None, Query(max_length=200, description="a district of an organization or the need")
]
SortQ = Annotated[
    str | None,
    Query(max_length=20, description="oldest (default), newest, score or organization"),
]


@contextmanager
def _field_errors() -> Iterator[None]:
    """A bad filter answers 422 with the parameter it concerns (``loc``), as FastAPI's own
    validation errors do, so a page shows the message under that field."""
    try:
        yield
    except BadFilter as exc:
        detail = [{"loc": ["query", exc.field], "msg": str(exc), "type": "value_error"}]
        raise HTTPException(422, detail) from exc


def _query(
    kind: str | None,
    coordinator: str | None,
    overdue: str | None,
    org_id: str | None,
    district: str | None,
    sort: str | None,
) -> QueueQuery:
    return queue_flow.parse_query(kind, coordinator, overdue, org_id, district, sort)


@router.get("/queue", response_model=QueueOut)
def queue(
    store: Store,
    settings: AppSettings,
    user: Coordinator,
    kind: KindQ = None,
    type: Annotated[
        str | None, Query(max_length=40, deprecated=True, description="the older name of kind")
    ] = None,
    coordinator: CoordinatorQ = None,
    overdue: OverdueQ = None,
    org_id: OrgQ = None,
    district: DistrictQ = None,
    sort: SortQ = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """One page of the open items the filters match (oldest first unless ``sort`` says
    otherwise), with waiting times, names and the true ``total``."""
    with _field_errors():
        query = _query(kind or type, coordinator, overdue, org_id, district, sort)
        q = queue_flow.queue(store, user, settings.overdue_days, query, offset, limit)
    return QueueOut(
        items=q.items,
        total=q.total,
        offset=offset,
        limit=limit,
        overdue_days=q.overdue_days,
        overdue_total=q.overdue_total,
        facets=q.facets,
    )


@router.get("/queue/export.csv", response_class=Response)
def queue_csv(
    store: Store,
    settings: AppSettings,
    user: Coordinator,
    kind: KindQ = None,
    coordinator: CoordinatorQ = None,
    overdue: OverdueQ = None,
    org_id: OrgQ = None,
    district: DistrictQ = None,
    sort: SortQ = None,
    lang: Annotated[Literal["ja", "en"], Query()] = "ja",
) -> Response:
    """Exactly the filtered queue, every page of it, as CSV (UTF-8 with BOM, so that Excel
    reads Japanese; text a spreadsheet would run as a formula gets a leading apostrophe)."""
    with _field_errors():
        query = _query(kind, coordinator, overdue, org_id, district, sort)
        rows = queue_flow.export_rows(store, user, settings.overdue_days, query, lang)
    buffer = io.StringIO()
    safe_csv_writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    name = "review-queue.csv" if lang == "en" else "review-queue-ja.csv"
    return Response(
        buffer.getvalue().encode(CSV_ENCODING),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/queue/response-times", response_model=ResponseTimes)
def response_times(store: Store, settings: AppSettings, user: Coordinator) -> Any:
    """How long decided items waited, from entering the queue to the decision: median, mean
    and count, overall and per coordinator (by name), and how many are open and overdue now.
    Coordinators and admins only: it names the reviewers."""
    return queue_flow.response_times(store, user, settings.overdue_days)
