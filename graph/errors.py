"""The errors Tsunagu raises on purpose, under one root: :class:`TsunaguError`.

Every layer raises these (the store, the matcher, the workflows, the importer), so each entry
point maps them in one place: the API to an HTTP status (:data:`api.errors.STATUS`), the CLI to
an exit message, the importer to a row error.  The message is bilingual — Japanese first, then
English — because the same text reaches a coordinator's page, a CSV import's error table and a
terminal.  A bug is never one of these: anything else is a 500 and a traceback in the log.
"""

from __future__ import annotations


def bilingual(ja: str, en: str) -> str:
    """One message: Japanese first, then English (``"… / …"``)."""
    return f"{ja} / {en}" if ja and ja != en else en


class TsunaguError(Exception):
    """Root of Tsunagu's own errors.  ``TsunaguError(ja, en)`` keeps both halves (``.ja``,
    ``.en``) and shows them together; ``TsunaguError(message)`` takes one message as it is
    (the store's messages, often bilingual already)."""

    def __init__(self, ja: str, en: str | None = None) -> None:
        self.ja = ja
        self.en = ja if en is None else en
        super().__init__(ja if en is None else bilingual(ja, en))

    @property
    def message(self) -> str:
        return str(self)


class InvalidInput(TsunaguError, ValueError):
    """The request or the data is not valid (a bad value, an unknown field, a broken file):
    the API answers 422, an import reports the row."""


class NotFound(TsunaguError, LookupError):
    """What the request names does not exist (API: 404)."""


class Forbidden(TsunaguError):
    """The user may not do this (API: 403)."""


class Conflict(TsunaguError):
    """The request conflicts with what is stored now (a state that does not allow it, a taken
    id, a stale version); nothing was written (API: 409)."""


class StoreUnavailable(TsunaguError):
    """The store cannot answer now (a server that is down, unreachable, too slow or refusing
    the configured credentials); the request may work later (API: 503).  The message names
    the server for logs and the CLI; the API answers with a plain message instead."""


__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "StoreUnavailable",
    "TsunaguError",
    "bilingual",
]
