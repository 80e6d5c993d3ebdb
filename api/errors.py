"""Errors as HTTP responses with a clear ``detail`` in Japanese and English.

Bad input must never become a 5xx: the store's and the model's own errors are mapped here to
404 (not found), 409 (conflict with the current state), 422 (invalid data) and 400 (bad query).
A JSON request body is read as :mod:`ingest.jsontext` reads JSON (no ``NaN``, no ``1e400``, no
lone surrogate, bounded nesting) before any route sees it, and an error answer renders whatever
input it quotes (:class:`ErrorResponse`), so the answer to bad input cannot fail itself.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from email.message import Message as EmailMessage
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    StoreUnavailable,
    TsunaguError,
    bilingual,
)
from graph.store import FilterError, NotFoundError, ReferenceError_
from ingest.jsontext import JSONTextError
from ingest.jsontext import loads as json_loads


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


def validation_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's or FastAPI's errors as JSON (location, message, input), without
    unserialisable context."""
    out = []
    for err in errors:
        out.append(
            {
                "loc": list(err.get("loc", ())),
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
                "input": jsonable_encoder(err.get("input"), custom_encoder={object: repr}),
            }
        )
    return out


def _renderable(value: Any, depth: int = 0) -> Any:
    """``value`` with whatever JSON cannot carry made printable: non-finite numbers as text,
    lone surrogates escaped, nesting cut off (an error may quote the bad input itself)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if depth > 32:
        return "…"
    if isinstance(value, Mapping):
        return {_renderable(str(k)): _renderable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_renderable(v, depth + 1) for v in value]
    return value


class ErrorResponse(JSONResponse):
    """A JSON error answer that renders any content (see :func:`_renderable`)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            _renderable(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")


def _json(status: int, detail: Any, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return ErrorResponse({"detail": detail}, status_code=status, headers=headers)


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this type as JSON (it does when the type is missing)."""
    if not content_type:
        return True
    message = EmailMessage()
    message["content-type"] = content_type
    main, sub = message.get_content_maintype(), message.get_content_subtype()
    return main == "application" and (sub == "json" or sub.endswith("+json"))


class StrictJSONBodies:
    """ASGI middleware: a JSON request body that :func:`ingest.jsontext.loads` refuses gets a
    422 here, before FastAPI's own parser (which accepts ``NaN``, ``1e400`` and lone
    surrogates) hands it to a route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(Headers(scope=scope).get("content-type")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.strip():
            try:
                json_loads(body)
            except JSONTextError as exc:
                detail = [
                    {
                        "loc": ["body"],
                        "msg": bilingual(exc.reason_ja, exc.reason_en),
                        "type": "json_invalid",
                    }
                ]
                await _json(422, detail)(scope, receive, send)
                return
        request = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay([request], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives ``messages`` first, then what the client sends."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


#: Tsunagu's own errors (:mod:`graph.errors`) as HTTP statuses, the most specific first: the one
#: place where an error becomes an answer
STATUS: tuple[tuple[type[TsunaguError], int], ...] = (
    (StoreUnavailable, 503),
    (FilterError, 400),
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 422),
    (TsunaguError, 400),
)

#: the Japanese half for a store message given in English only
_SUMMARY_JA: tuple[tuple[type[TsunaguError], str], ...] = (
    (NotFoundError, "見つかりません"),
    (ReferenceError_, "存在しないIDを参照しています"),
    (FilterError, "検索条件が正しくありません"),
    (TsunaguError, "要求を処理できません"),
)


def status_of(exc: TsunaguError) -> int:
    return next(code for cls, code in STATUS if isinstance(exc, cls))


def detail_of(exc: TsunaguError) -> str:
    """The error's message, bilingual: as raised when it has both halves, else with a
    Japanese summary in front."""
    message = str(exc)
    if exc.ja != exc.en or " / " in message:
        return message
    summary = next(ja for cls, ja in _SUMMARY_JA if isinstance(exc, cls))
    return bilingual(summary, message)


def error_response(exc: TsunaguError) -> JSONResponse:
    status = status_of(exc)
    if status == 503:
        # the exception names the server and the driver's error: for the log, not the answer
        logging.getLogger("tsunagu").warning("store unavailable: %s", exc)
        return _json(503, STORE_UNAVAILABLE, {"Retry-After": "5"})
    return _json(status, detail_of(exc))


STORE_UNAVAILABLE = bilingual(
    "データベースに接続できません。しばらくしてからもう一度お試しください",
    "the database cannot be reached just now; please try again in a moment",
)


def install(app: FastAPI) -> None:
    """Register the exception handlers and the JSON body check on ``app``."""
    app.add_middleware(StrictJSONBodies)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_body_allowed_for_status_code(exc.status_code):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return _json(exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _json(422, validation_errors(exc.errors()))

    @app.exception_handler(TsunaguError)
    def _tsunagu(request: Request, exc: TsunaguError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(ValidationError)
    def _validation(request: Request, exc: ValidationError) -> JSONResponse:
        return _json(422, validation_errors(exc.errors(include_url=False, include_context=False)))
