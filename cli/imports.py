"""``tsunagu ingest``: import registers into the configured store.

The options that say how files are read (:class:`ImportOptions` and its typer aliases) are
defined here once; ``tsunagu evaluate --data`` reads its files with the same ones."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import fail, open_configured, opened

if TYPE_CHECKING:
    from graph.store import GraphStore
    from ingest.report import ImportReport

_HELP = """\
Import organizations, needs, offers, collaborations (with participants) and evaluations from
CSV/TSV (UTF-8, UTF-8 with BOM or Shift_JIS, detected by itself), XLSX, JSON or JSON Lines;
also the NPO portal's CSV, Open Referral HSDS and 360Giving files.  A directory means every
supported file in it.  By default a file with any invalid row writes nothing; re-importing the
same file changes nothing.

団体・ニーズ・提供・協働事業（参加団体つき）・評価を
CSV/TSV（UTF-8・BOM付き・Shift_JIS を自動判定）、XLSX、JSON、JSON Lines
から取り込みます。NPO ポータルサイトの CSV、HSDS、360Giving にも対応します。
エラーのある行が一つでもあれば何も書き込みません（--skip-invalid で正しい行だけ書き込み）。
同じファイルを取り込み直しても何も変わりません。
"""

# -- the import options, once ------------------------------------------------------------------

DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="check and report, write nothing / 確認のみ（書き込まない）"),
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="write the valid rows, report the rest / 正しい行だけ書き込み、残りを報告",
    ),
]
MappingOption = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        metavar="FILE",
        help='YAML or JSON {"source header": "field"} / 列の対応表（YAML か JSON）',
    ),
]
KindOption = Annotated[
    str | None,
    typer.Option(
        "--kind",
        help="organizations, needs, offers, collaborations, participants, "
        "evaluations, areas (団体・ニーズ・提供・協働事業・参加団体・評価・地区), for every "
        "file and sheet; default: from the sheet or file name, else the headers",
    ),
]
IncludeRepresentativeOption = Annotated[
    bool,
    typer.Option(
        "--include-representative",
        help="also import the NPO portal's 代表者氏名 (personal data) as contact_name "
        "/ 代表者氏名（個人情報）も取り込む",
    ),
]
ProgressOption = Annotated[bool, typer.Option(help="progress bar on stderr / 進捗バー")]


@dataclass(frozen=True)
class ImportOptions:
    """How files are read into a store (the options above, as one value)."""

    dry_run: bool = False
    skip_invalid: bool = False
    mapping: Path | None = None
    kind: str | None = None
    include_representative: bool = False
    progress: bool = True
    #: register the districts the files name (a throwaway store only: ``tsunagu evaluate``)
    register_districts: bool = False

    def run(self, store: GraphStore, paths: list[Path]) -> ImportReport:
        """Import ``paths`` into ``store`` through the ingest pipeline, as one batch."""
        from ingest.pipeline import import_paths
        from workflows.access import operator

        return import_paths(
            store,
            paths,
            dry_run=self.dry_run,
            skip_invalid=self.skip_invalid,
            mapping=self.mapping,
            kind=self.kind,
            include_personal=self.include_representative,
            progress=self.progress,
            register_districts=self.register_districts,
            actor=operator().name,  # the import history names who ran it
        )


# -- tsunagu ingest ----------------------------------------------------------------------------


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="files or directories / ファイルまたはフォルダ", show_default=False),
    ],
    dry_run: DryRunOption = False,
    skip_invalid: SkipInvalidOption = False,
    mapping: MappingOption = None,
    kind: KindOption = None,
    include_representative: IncludeRepresentativeOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the report as JSON / 結果を JSON で出力")
    ] = False,
    show: Annotated[
        int, typer.Option(help="errors and notices to print at most / 表示する件数の上限")
    ] = 50,
    progress: ProgressOption = True,
) -> None:
    options = ImportOptions(dry_run, skip_invalid, mapping, kind, include_representative, progress)
    store = open_configured()
    try:
        report = options.run(store, paths)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print_report(report, show)
    if report.errors and (report.blocked or dry_run):
        raise typer.Exit(code=1)


def print_report(report: ImportReport, show: int) -> None:
    """Errors, notices and possible duplicates (at most ``show`` of each), then the summary."""
    out = sys.stdout
    for title, items in (
        ("エラー / errors", report.errors),
        ("お知らせ / notices", report.notices),
        (
            "重複の可能性（確認してください） / possible duplicates (please check)",
            report.duplicates,
        ),
    ):
        if not items:
            continue
        print(f"== {title}", file=out)
        for item in items[:show]:
            print(f"  {item}", file=out)
        if len(items) > show:
            print(f"  … 他 {len(items) - show} 件 / {len(items) - show} more", file=out)
    print("== 結果 / summary", file=out)
    for line in report.summary_lines():
        print(f"  {line}", file=out)


# -- tsunagu imports history / undo -------------------------------------------------------------

imports_app = typer.Typer(
    help="the imports written, and undoing one / 取り込みの履歴と取り消し", no_args_is_help=True
)


@imports_app.command("history")
def imports_history(
    limit: Annotated[int, typer.Option(help="how many, newest first / 表示する件数")] = 20,
) -> None:
    """List the imports written (id, when, who, files, counts, state)."""
    from graph import journal

    with opened() as store:
        entries, total = journal.history(store, 0, limit)
    if not entries:
        typer.echo("取り込みはありません / no imports")
        return
    for e in entries:
        counts = ", ".join(
            f"{kind} +{c['created']} ~{c['updated']}" for kind, c in sorted(e.counts.items())
        )
        who = e.actor or "-"
        typer.echo(f"{e.id}\t{e.at[:19]}\t{who}\t{', '.join(e.files) or '-'}\t{counts}\t{e.state}")
    if total > len(entries):
        typer.echo(f"… 他 {total - len(entries)} 件 / {total - len(entries)} more")


@imports_app.command("undo")
def imports_undo(
    import_id: Annotated[str, typer.Argument(help="an id from `tsunagu imports history`")],
) -> None:
    """Undo an import: the records it created removed, the ones it updated restored; refused
    (nothing changed) when any of them changed since."""
    from graph import journal
    from graph.errors import TsunaguError
    from workflows.access import operator

    with opened() as store:
        try:
            entry = journal.undo_import(store, import_id, actor=operator().name)
        except TsunaguError as exc:
            raise fail(exc.ja, exc.en) from None
    typer.echo(
        f"取り消しました / undone: {entry.id} "
        f"(削除 {len(entry.created)} 件・復元 {len(entry.updated)} 件 / "
        f"{len(entry.created)} removed, {len(entry.updated)} restored)"
    )


def register(app: typer.Typer) -> None:
    """Add ``tsunagu ingest`` and ``tsunagu imports`` to the ``tsunagu`` app."""
    app.command("ingest", help=_HELP)(ingest)
    app.add_typer(imports_app, name="imports")
