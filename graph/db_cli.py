"""Sub-commands of ``tsunagu`` (see ``register``)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add these sub-commands to the ``tsunagu`` app."""
