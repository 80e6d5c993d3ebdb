"""What every command group shares: the settings, the configured store, the bilingual exit and
the widths of Japanese text in a terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from graph.store import GraphStore
    from workflows.settings import Settings


def settings() -> Settings:
    """The settings, read from the environment and ``.env``: once per command, which hands
    the values down."""
    from workflows.settings import Settings

    return Settings()


def open_configured(config: Settings | None = None) -> GraphStore:
    """The store ``config`` (else the settings) names, its schema ensured; the caller closes
    it."""
    from graph import open_store

    return open_store((config or settings()).store_config())


@contextmanager
def opened(config: Settings | None = None) -> Iterator[GraphStore]:
    """The configured store, closed afterwards; a StoreError becomes a plain message, exit 1."""
    from graph.store import StoreError

    try:
        store = open_configured(config)
    except StoreError as exc:
        raise fail(f"error: {exc}") from exc
    try:
        yield store
    except StoreError as exc:
        raise fail(f"error: {exc}") from exc
    finally:
        store.close()


def fail(ja: str, en: str | None = None, *, code: int = 1) -> typer.Exit:
    """Print an error on stderr and return the Exit to raise: ``ja`` and ``en`` on two lines,
    or ``ja`` alone when it already holds both languages."""
    typer.echo(ja if en is None else f"エラー: {ja}\nerror: {en}", err=True)
    return typer.Exit(code=code)


def width(text: str) -> int:
    """Display width in a terminal: full-width Japanese characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cols: int, right: bool = False) -> str:
    """``text`` in ``cols`` columns: cut with an ellipsis when wider, padded with spaces."""
    if width(text) > cols:
        out, used = "", 0
        for ch in text:
            if used + width(ch) > cols - 1:
                break
            out, used = out + ch, used + width(ch)
        text = out + "…"
    gap = " " * max(0, cols - width(text))
    return gap + text if right else text + gap
