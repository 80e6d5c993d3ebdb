"""The ``tsunagu`` command line: one entry point, a sub-command per task.

Each package registers its own sub-commands (``graph.cli``, ``ingest.cli``, ``matching.cli``,
``api.commands``); heavy libraries are imported inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="tsunagu",
    help="Tsunagu (つなぐ): partner matching and network figures for collaborative community "
    "development. 協働のまちづくりのためのマッチングとネットワーク分析。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    import api.commands
    import graph.cli
    import ingest.cli
    import matching.cli

    for module in (graph.cli, ingest.cli, matching.cli, api.commands):
        module.register(app)


def main() -> None:
    from graph.settings import get_settings, keep_files_private

    keep_files_private(get_settings().data_dir)
    _register()
    app()


if __name__ == "__main__":
    main()
