"""``tsunagu db``: set up, inspect and reset the configured store (Neo4j or embedded)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from cli.common import opened

if TYPE_CHECKING:
    from graph.store import GraphStore

db_app = typer.Typer(
    help="Set up, inspect and reset the graph store: Neo4j when TSUNAGU_NEO4J_URI is set, "
    "otherwise the embedded store in TSUNAGU_DATA_DIR. "
    "データストア(Neo4j または組み込みストア)の初期化・確認・リセット。",
    no_args_is_help=True,
)


def describe_store(store: GraphStore) -> str:
    """Where a store keeps its data, for messages: ``neo4j bolt://… (database neo4j)``."""
    if store.backend == "neo4j":
        return f"neo4j {getattr(store, 'uri', '')} (database {getattr(store, 'database', '')})"
    return f"{store.backend} {getattr(store, 'path', '')}".strip()


@db_app.command("init")
def init() -> None:
    """Create the schema (constraints, full-text and lookup indexes). Safe to run again.
    スキーマ(制約・全文検索インデックスなど)を作成します。何度実行しても安全です。"""
    with opened() as store:
        store.init_schema()
        typer.echo(f"schema ready / スキーマ準備完了: {describe_store(store)}")


@db_app.command("stats")
def stats(
    as_json: bool = typer.Option(False, "--json", help="print JSON / JSON で出力"),
) -> None:
    """Count the records of each kind (active, and all including soft-deleted).
    種類ごとのレコード数(有効なもの・削除済みを含む全体)を表示します。"""
    from graph.model import RECORD_TYPES

    with opened() as store:
        counts = {
            kind: {
                "active": store.list(kind, limit=1).total,
                "all": store.list(kind, limit=1, include_inactive=True).total,
            }
            for kind in RECORD_TYPES
        }
        if as_json:
            typer.echo(json.dumps({"store": describe_store(store), "counts": counts}))
            return
        typer.echo(f"store / ストア: {describe_store(store)}")
        typer.echo(f"{'kind':<15}{'active':>10}{'all':>10}")
        for kind, c in counts.items():
            typer.echo(f"{kind:<15}{c['active']:>10}{c['all']:>10}")


@db_app.command("reset")
def reset(
    yes: bool = typer.Option(
        False, "--yes", help="really delete everything / 本当にすべて削除する"
    ),
) -> None:
    """Delete every record, relationship and embedding (the schema stays). Needs --yes.
    すべてのレコード・関係・埋め込みを削除します(スキーマは残ります)。--yes が必要です。"""
    if not yes:
        typer.echo(
            "refusing to delete without --yes (--yes を付けると全データを削除します)", err=True
        )
        raise typer.Exit(2)
    with opened() as store:
        store.clear()
        typer.echo(f"deleted all data / 全データを削除しました: {describe_store(store)}")


def register(app: typer.Typer) -> None:
    """Add ``tsunagu db`` to the ``tsunagu`` app."""
    app.add_typer(db_app, name="db")
