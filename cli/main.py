"""The ``tsunagu`` command line: one entry point, a sub-command per task (one module per
command group under :mod:`cli`)."""

from __future__ import annotations

import typer

from cli import db, demo, export, imports, matching, serve, tokens

app = typer.Typer(
    name="tsunagu",
    help="Tsunagu (つなぐ): partner matching and network figures for collaborative community "
    "development. 協働のまちづくりのためのマッチングとネットワーク分析。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _group in (db, export, imports, demo, matching, serve, tokens):
    _group.register(app)


def main() -> None:
    from cli.common import settings
    from graph.files import keep_files_private

    keep_files_private(settings().data_dir)
    app()


if __name__ == "__main__":
    main()
