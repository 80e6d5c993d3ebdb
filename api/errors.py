"""Errors as HTTP responses with a clear ``detail`` in Japanese and English.

Bad input must never become a 5xx: the store's and the model's own errors are mapped here to
404 (not found), 409 (conflict with the current state), 422 (invalid data) and 400 (bad query).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from graph.store import ConflictError, FilterError, NotFoundError, ReferenceError_, StoreError
from matching.events import SeatingError


def bilingual(ja: str, en: str) -> str:
    """One ``detail`` string: Japanese first, then English."""
    return f"{ja} / {en}"


def not_found(kind: str, id: str) -> HTTPException:
    return HTTPException(
        404, bilingual(f"{kind} {id!r} が見つかりません", f"no {kind} with id {id!r}")
    )


def forbidden(ja: str, en: str) -> HTTPException:
    return HTTPException(403, bilingual(ja, en))


def conflict(ja: str, en: str) -> HTTPException:
    return HTTPException(409, bilingual(ja, en))


def unprocessable(ja: str, en: str) -> HTTPException:
    return HTTPException(422, bilingual(ja, en))


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as JSON (location, message, input), without unserialisable context."""
    out = []
    for err in exc.errors(include_url=False, include_context=False):
        out.append(
            {
                "loc": list(err.get("loc", ())),
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
                "input": jsonable_encoder(err.get("input"), custom_encoder={object: repr}),
            }
        )
    return out


def _json(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    @app.exception_handler(NotFoundError)
    def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return _json(404, bilingual("見つかりません", str(exc)))

    @app.exception_handler(ReferenceError_)
    def _reference(request: Request, exc: ReferenceError_) -> JSONResponse:
        return _json(422, bilingual("存在しないIDを参照しています", str(exc)))

    @app.exception_handler(FilterError)
    def _filter(request: Request, exc: FilterError) -> JSONResponse:
        return _json(400, bilingual("検索条件が正しくありません", str(exc)))

    @app.exception_handler(ConflictError)
    def _conflict(request: Request, exc: ConflictError) -> JSONResponse:
        return _json(409, str(exc))  # the store's message is bilingual already

    @app.exception_handler(StoreError)
    def _store(request: Request, exc: StoreError) -> JSONResponse:
        return _json(400, bilingual("要求を処理できません", str(exc)))

    @app.exception_handler(ValidationError)
    def _validation(request: Request, exc: ValidationError) -> JSONResponse:
        return _json(422, validation_errors(exc))

    @app.exception_handler(SeatingError)
    def _seating(request: Request, exc: SeatingError) -> JSONResponse:
        return _json(422, str(exc))
