"""``tsunagu serve``: the web app and API with uvicorn on the configured store."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import open_configured, settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="load the demo city first if the store is empty")
    ] = False,
    seed: Annotated[int, typer.Option(help="demo city seed")] = 42,
) -> None:
    """Run the web app and API with uvicorn on the configured store."""
    import uvicorn

    from api.app import create_app

    config = settings()
    store = open_configured(config)
    if demo:
        from democity import kinds_with_records, load

        if not kinds_with_records(store):  # never over people's work
            typer.echo("デモの街を読み込みます / loading the demo city …")
            load(store, seed)
    app = create_app(config, store)
    # Load the model and encode new texts while the server starts, not on the first request.
    threading.Thread(target=_warm_up, args=(app,), daemon=True, name="warm-up").start()
    h, p = host or config.host, port or config.port
    typer.echo(f"http://{h}:{p}/  (API docs: http://{h}:{p}/docs)")
    try:
        uvicorn.run(app, host=h, port=p)
    finally:
        store.close()


def _warm_up(app: FastAPI) -> None:
    import logging

    from api.deps import ensure_matcher

    try:
        status = ensure_matcher(app).status
        logging.getLogger("tsunagu").warning("matcher ready / マッチング準備完了: %s", status)
    except Exception as exc:  # the first request will try again and report the error
        logging.getLogger("tsunagu").warning("matcher warm-up failed: %s", exc)


def register(app: typer.Typer) -> None:
    """Add ``tsunagu serve`` to the ``tsunagu`` app."""
    app.command("serve")(serve)
