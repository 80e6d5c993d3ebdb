"""File upload through the ingest layer, with its row-level errors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from api.deps import Coordinator, Store, embeddings_changed
from api.errors import bilingual, unprocessable
from workflows import imports as import_history

router = APIRouter(tags=["imports"])

#: uploads larger than this are refused (use ``tsunagu ingest`` for big files)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@router.post(
    "/imports",
    responses={
        200: {"description": "the import report (written, or what would be written)"},
        422: {"description": "nothing written: the report with row-level errors"},
    },
)
def upload(
    request: Request,
    store: Store,
    user: Coordinator,
    file: Annotated[UploadFile, File(description="CSV, TSV, XLSX, JSON or JSON Lines")],
    mapping: Annotated[
        str | None, Form(description='column mapping as JSON, e.g. {"団体名称": "name"}')
    ] = None,
    kind: Annotated[
        str | None,
        Query(max_length=40, description="record kind when the file name does not say it"),
    ] = None,
    dry_run: Annotated[bool, Query(description="report without writing")] = False,
    skip_invalid: Annotated[
        bool, Query(description="write the valid rows, report the rest")
    ] = False,
) -> Any:
    """Import one file: organizations, needs, offers, collaborations or evaluations.

    By default a file with any invalid row writes nothing (422 with the errors); with
    ``skip_invalid`` the valid rows are written and the rest reported.
    """
    try:
        from ingest.columns import parse_mapping
        from ingest.errors import FileError
        from ingest.pipeline import import_bytes
    except ImportError as exc:
        raise HTTPException(503, bilingual("取り込み機能が利用できません", str(exc))) from exc
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(
            413,
            bilingual(
                "ファイルが大きすぎます（tsunagu ingest を使ってください）",
                f"file larger than {MAX_UPLOAD_BYTES // 2**20} MiB; use `tsunagu ingest`",
            ),
        )
    try:
        parsed_mapping = parse_mapping(mapping, "mapping") if mapping else None
        report = import_bytes(
            store,
            file.filename or "upload",
            data,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            mapping=parsed_mapping,
            kind=kind,
            actor=user.name,
        )
    except FileError as exc:
        raise unprocessable(exc.reason_ja, exc.reason_en) from exc
    if report.written:
        embeddings_changed(request)
    body = report.to_dict()
    body["summary"] = report.summary_lines()
    if report.errors and not report.written and not dry_run:
        detail = bilingual(
            f"エラー {len(report.errors)} 件のため何も書き込んでいません",
            f"nothing was written because of {len(report.errors)} error(s); fix them or use "
            "skip_invalid",
        )
        return JSONResponse({**body, "detail": detail}, status_code=422)
    return body


@router.get("/imports", responses={200: {"description": "the import history, newest first"}})
def list_imports(
    store: Store,
    user: Coordinator,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The imports written (who, when, which file, counts per kind), newest first."""
    return import_history.history(store, user, offset, limit)


@router.post(
    "/imports/{import_id}/undo",
    responses={
        200: {"description": "undone: the created records removed, the updated ones restored"},
        404: {"description": "no such import"},
        409: {"description": "refused: undone already, or its records changed since"},
    },
)
def undo_import(request: Request, store: Store, user: Coordinator, import_id: str) -> Any:
    """Undo one import, all or nothing; refused while any of its records changed since."""
    body = import_history.undo(store, user, import_id)
    embeddings_changed(request)
    return body
