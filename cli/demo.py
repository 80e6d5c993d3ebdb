"""``tsunagu demo``: generate the fictional demo city, write it as files, load it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import open_configured


def demo_command(
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="乱数のシード。別のシードに切り替えるときは --reset も付けてください / random "
            "seed; add --reset when switching to another seed",
        ),
    ] = 42,
    write_files_dir: Annotated[
        Path | None,
        typer.Option(
            "--write-files",
            metavar="DIR",
            help="CSV・JSONL・XLSX・CP932・NPOポータル・HSDS・360Giving のファイルも書き出す先 / "
            "also write the demo as files (CSV, JSONL, XLSX, CP932, NPO portal, HSDS, "
            "360Giving) into DIR",
        ),
    ] = None,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="読み込む前にストアの全データを削除します（元に戻せません） / delete everything "
            "in the store before loading (cannot be undone)",
        ),
    ] = False,
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty",
            help="ストアが空のときだけ読み込み、空でなければ何もしません"
            "（scripts/run.sh が使用） / load only into an empty store, otherwise do nothing "
            "(used by scripts/run.sh)",
        ),
    ] = False,
    no_load: Annotated[
        bool,
        typer.Option(
            "--no-load",
            help="ストアに読み込まない（--write-files だけ行う） / do not load into the store "
            "(only --write-files)",
        ),
    ] = False,
) -> None:
    from democity import generate, kinds_with_records, load, write_files
    from graph.store import StoreError

    city = generate(seed)
    counts = city.counts()
    typer.echo(
        f"デモの市を生成しました / generated the demo city (seed {seed}): "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    if write_files_dir is not None:
        try:
            files = write_files(city, write_files_dir)
        except OSError as exc:
            typer.echo(f"ファイルを書けません / cannot write files: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(
            f"{len(files)} 個のファイルを書き出しました / wrote {len(files)} files "
            f"to {write_files_dir}"
        )
    if no_load:
        return
    try:
        with open_configured() as store:
            present = [] if reset else kinds_with_records(store)
            if present and if_empty:
                typer.echo(
                    "ストアにデータがあるため、デモは読み込みませんでした / the store "
                    f"already holds data ({', '.join(present)}): demo not loaded"
                )
                return
            if present:
                typer.echo(
                    "ストアは空ではありません（" + "・".join(present) + "）。デモを読み込むと"
                    "利用者の変更が上書きされるため中止しました。全データを削除して読み込む"
                    "には --reset を付けてください / the store is not empty ("
                    + ", ".join(present)
                    + "): loading the demo would overwrite people's "
                    "changes, so nothing was done; add --reset to delete everything and "
                    "load the demo",
                    err=True,
                )
                raise typer.Exit(1)
            if reset:
                store.clear()
                typer.echo("ストアを空にしました / cleared the store")
            summary = load(store, seed, city=city)
    except StoreError as exc:
        typer.echo(
            f"読み込めませんでした（何も書き込んでいません） / load failed, nothing "
            f"written for the failing kind: {exc}",
            err=True,
        )
        raise typer.Exit(1) from None
    typer.echo(
        f"読み込み完了 / loaded: 新規 created {summary['created']}, 更新 updated "
        f"{summary['updated']}, 変更なし unchanged {summary['unchanged']}"
    )
    for kind, r in summary["by_kind"].items():
        typer.echo(
            f"  {kind:15s} created {r['created']:4d}  updated {r['updated']:4d}  "
            f"unchanged {r['unchanged']:4d}"
        )


def register(app: typer.Typer) -> None:
    """Add ``tsunagu demo`` to the ``tsunagu`` app."""
    app.command(
        "demo",
        help="デモ用の架空の市（結野市）を生成してストアに読み込みます。同じシードからは常に同じ"
        "データができます。 Generate the fictional demo city (Yuino) and load it into the "
        "configured store; the same seed always gives the same data.",
    )(demo_command)
