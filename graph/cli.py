"""Sub-commands of ``tsunagu`` owned by the graph package: ``db`` (graph.db_cli) and
``export`` (graph.export_cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the graph package's sub-commands to the ``tsunagu`` app."""
    from graph import db_cli, export_cli

    db_cli.register(app)
    export_cli.register(app)
