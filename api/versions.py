"""Record versions over HTTP: an ``ETag`` on every record answer and ``If-Match`` on edits.

Every stored record has a ``version`` (one more with each write).  A client that sends
``If-Match`` with the ETag it read gets 409 when the record has changed since, instead of
overwriting someone else's change; without ``If-Match`` an edit is applied to the latest version
(read, merged and written atomically by ``GraphStore.update``).
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request, Response

from api.errors import bilingual
from graph.model import Record

_ETAG = re.compile(r'\s*(?:W/)?"(\d{1,18})"\s*')


def etag(rec: Record) -> str:
    return f'"{rec.version or 0}"'


def with_etag(response: Response, rec: Record) -> Record:
    """Set the record's ETag on ``response`` and return the record."""
    response.headers["ETag"] = etag(rec)
    return rec


def if_match(request: Request) -> int | None:
    """The version named by the request's ``If-Match`` (None when absent or ``*``); 400 for a
    value that is not one ETag of ours."""
    value = request.headers.get("if-match")
    if value is None or value.strip() == "*":
        return None
    m = _ETAG.fullmatch(value)
    if m is None:
        raise HTTPException(
            400,
            bilingual(
                "If-Match には GET で受け取った ETag を 1 つ指定してください",
                'If-Match must be one ETag as a GET answered it (e.g. "3")',
            ),
        )
    return int(m.group(1))
