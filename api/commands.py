"""Sub-commands of ``tsunagu`` owned by the api package: ``serve`` and ``token``."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

token_app = typer.Typer(
    help="API tokens: create (shown once), list, revoke. / APIトークンの発行・一覧・失効。",
    no_args_is_help=True,
)


def _fail(ja: str, en: str) -> typer.Exit:
    typer.echo(f"エラー / error: {ja} / {en}", err=True)
    return typer.Exit(code=2)


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

    from api.auth import create_user
    from graph import open_store
    from graph.model import Role
    from graph.store import StoreError

    try:
        role_value = Role(role.strip().lower())
    except ValueError:
        raise _fail(
            f"ロール {role!r} はありません",
            f"unknown role {role!r}; use admin, coordinator, business or staff",
        ) from None
    with open_store() as store:
        try:
            user, token = create_user(store, name, role_value, org)
        except ValidationError as exc:
            msg = "; ".join(e["msg"] for e in exc.errors())
            raise _fail("入力が正しくありません", msg) from None
        except StoreError as exc:
            raise _fail("団体が見つかりません", str(exc)) from None
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
    from api.auth import list_users
    from graph import open_store

    with open_store() as store:
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
    from api.auth import revoke
    from graph import open_store
    from graph.store import NotFoundError

    with open_store() as store:
        try:
            user = revoke(store, user_id)
        except NotFoundError as exc:
            raise _fail("ユーザーが見つかりません", str(exc)) from None
    typer.echo(f"失効しました / revoked: {user.id} ({user.name})")


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
    from graph import open_store
    from graph.settings import get_settings

    settings = get_settings()
    store = open_store(settings)
    if demo:
        from ingest.demo import kinds_with_records, load

        if not kinds_with_records(store):  # never over people's work
            typer.echo("デモの街を読み込みます / loading the demo city …")
            load(store, seed)
    app = create_app(settings, store)
    # Load the model and encode new texts while the server starts, not on the first request.
    threading.Thread(target=_warm_up, args=(app,), daemon=True, name="warm-up").start()
    h, p = host or settings.host, port or settings.port
    typer.echo(f"http://{h}:{p}/  (API docs: http://{h}:{p}/docs)")
    try:
        uvicorn.run(app, host=h, port=p)
    finally:
        store.close()


def _warm_up(app: object) -> None:
    import logging

    from api.deps import ensure_matcher

    try:
        status = ensure_matcher(app).status  # type: ignore[arg-type]
        logging.getLogger("tsunagu").warning("matcher ready / マッチング準備完了: %s", status)
    except Exception as exc:  # the first request will try again and report the error
        logging.getLogger("tsunagu").warning("matcher warm-up failed: %s", exc)


def register(app: typer.Typer) -> None:
    """Add this package's sub-commands to the ``tsunagu`` app."""
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
