"""``tsunagu token create|list|revoke``: API tokens (a token is shown once; only its hash is
stored)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import fail, opened

token_app = typer.Typer(
    help="API tokens: create (shown once), list, revoke. / APIトークンの発行・一覧・失効。",
    no_args_is_help=True,
)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, coordinator, business or staff")],
    name: Annotated[str, typer.Option(help="who holds the token (e.g. 佐藤)")],
    org: Annotated[
        str | None, typer.Option("--org", help="organization id (required for business)")
    ] = None,
) -> None:
    """Create a user with a token and print the token once (only its hash is stored)."""
    from pydantic import ValidationError

    from graph.model import Role
    from graph.store import StoreError
    from workflows.tokens import create_user

    try:
        role_value = Role(role.strip().lower())
    except ValueError:
        raise fail(
            f"ロール {role!r} はありません",
            f"unknown role {role!r}; use admin, coordinator, business or staff",
            code=2,
        ) from None
    with opened() as store:
        try:
            user, token = create_user(store, name, role_value, org)
        except ValidationError as exc:
            msg = "; ".join(e["msg"] for e in exc.errors())
            raise fail("入力が正しくありません", msg, code=2) from None
        except StoreError as exc:
            raise fail("団体が見つかりません", str(exc), code=2) from None
    typer.echo(
        f"user: {user.id}  role: {user.role.value}  name: {user.name}"
        + (f"  org: {user.org_id}" if user.org_id else "")
    )
    typer.echo("このトークンは一度だけ表示されます / this token is shown only once:")
    typer.echo(token)


@token_app.command("list")
def token_list(
    all_: Annotated[bool, typer.Option("--all", help="include revoked tokens")] = False,
) -> None:
    """List token holders (never the tokens)."""
    from workflows.tokens import list_users

    with opened() as store:
        users = list_users(store, include_inactive=all_)
    if not users:
        typer.echo("トークンはありません / no tokens")
        return
    for u in users:
        state = "active" if u.active else "revoked"
        created = u.created_at.isoformat(timespec="seconds") if u.created_at else "-"
        typer.echo(f"{u.id}\t{u.role.value}\t{u.name}\t{u.org_id or '-'}\t{created}\t{state}")


@token_app.command("revoke")
def token_revoke(user_id: Annotated[str, typer.Argument(help="user id from `token list`")]) -> None:
    """Revoke a token (its user stays on record, inactive)."""
    from graph.store import NotFoundError
    from workflows.tokens import revoke

    with opened() as store:
        try:
            user = revoke(store, user_id)
        except NotFoundError as exc:
            raise fail("ユーザーが見つかりません", str(exc), code=2) from None
    typer.echo(f"失効しました / revoked: {user.id} ({user.name})")


def register(app: typer.Typer) -> None:
    """Add ``tsunagu token`` to the ``tsunagu`` app."""
    app.add_typer(token_app, name="token")
