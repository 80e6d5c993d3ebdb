"""Sub-commands of ``tsunagu`` owned by this package."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's sub-commands to the ``tsunagu`` app."""
