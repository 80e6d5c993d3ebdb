"""``tsunagu export`` and ``tsunagu stats``: network exports and the growth table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import fail, open_configured, pad, settings, width

if TYPE_CHECKING:
    from graph.analytics import PeriodFigures

#: (figure, Japanese header, English header) of the growth table, in column order
TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("organizations", "団体数", "orgs"),
    ("new_organizations", "新規団体", "new orgs"),
    ("new_collaborations", "新規協働", "new collabs"),
    ("cumulative_collaborations", "協働累計", "collabs total"),
    ("ties", "つながり", "ties"),
    ("new_ties", "新つながり", "new ties"),
    ("density", "密度", "density"),
    ("average_degree", "平均次数", "avg degree"),
    ("components", "成分数", "components"),
    ("largest_component_share", "最大成分率", "largest share"),
    ("average_path_length", "平均経路長", "avg path"),
    ("diameter", "直径", "diameter"),
    ("cross_sector_share", "セクター間率", "cross-sector"),
    ("communities", "コミュニティ", "communities"),
    ("modularity", "モジュラリティ", "modularity"),
    ("isolated_organizations", "協働なし", "never collab."),
    ("top_bridges", "橋渡し役1位", "top bridge"),
)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):  # top bridges
        return str(value[0]["name"]) if value else "-"
    return str(value)


def format_table(headers: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """A plain-text table with a Japanese and an English header line."""
    widths = [
        max(width(ja), width(en), *(width(r[i]) for r in rows))
        for i, (ja, en) in enumerate(headers)
    ]

    def line(cells: list[str]) -> str:
        # numbers right-aligned, the first (label) column left-aligned
        pairs = zip(cells, widths, strict=True)
        return "  ".join(pad(c, w, i > 0) for i, (c, w) in enumerate(pairs))

    lines = [
        line([h[0] for h in headers]),
        line([h[1] for h in headers]),
        "  ".join("-" * w for w in widths),
    ]
    return "\n".join(lines + [line(r) for r in rows])


def growth_table(figures: list[PeriodFigures]) -> str:
    """The growth table of computed figures, one line per period (and scope)."""
    scoped = any(f.scope != "all" for f in figures)
    headers = [("期間", "period")] + ([("範囲", "scope")] if scoped else [])
    headers += [(ja, en) for _, ja, en in TABLE_COLUMNS]
    rows = []
    for f in figures:
        row = [f.period] + ([f.scope] if scoped else [])
        row += [_cell(f.figures.get(key)) for key, _, _ in TABLE_COLUMNS]
        rows.append(row)
    return format_table(headers, rows)


def indicator_table(figures: list[PeriodFigures]) -> str:
    """The plan-indicator table (成果指標), one column per period."""
    from graph.analytics import plan_indicator_table

    table = plan_indicator_table(figures)
    headers = [("指標", "indicator")] + [(p["key"], "") for p in table["periods"]]
    rows = []
    for r in table["rows"]:
        cells = []
        for v in r["values"]:
            pct = r["unit"] == "%" and isinstance(v, float)
            cells.append(f"{v * 100:.1f}%" if pct else _cell(v))
        rows.append([f"{r['label_ja']} / {r['label_en']}", *cells])
    return format_table(headers, rows)


def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="graphml | gexf | csv | json (出力形式)")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="output file (a folder for csv) / 出力先")
    ],
    period: Annotated[
        str, typer.Option("--period", "-p", help="month | quarter | fiscal | year (期間の単位)")
    ] = "month",
) -> None:
    """Export the collaboration network for Gephi, Excel or the web pages.
    協働ネットワークを Gephi・Excel・Web ページ用に書き出します。"""
    from graph.analytics import AnalyticsError, network_events, parse_period_kind
    from graph.export import (
        EXPORT_FORMATS,
        ExportError,
        growth_json,
        network_json,
        write_csv,
        write_gexf,
        write_graphml,
    )
    from graph.store import StoreError

    fmt = fmt.strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise fail(f"出力形式が不明です / unknown format {fmt!r}: {' | '.join(EXPORT_FORMATS)}")
    try:
        kind = parse_period_kind(period)
    except AnalyticsError as exc:
        raise fail(str(exc)) from exc
    try:
        with open_configured() as store:
            history = network_events(store)
        if fmt == "gexf":
            written = [write_gexf(history, out, kind)]
        elif fmt == "graphml":
            written = [write_graphml(history, out, kind)]
        elif fmt == "csv":
            written = list(write_csv(history, out, kind))
        else:
            import json

            doc = {"network": network_json(history, kind), "growth": growth_json(history, kind)}
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(
                json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
            )
            written = [out]
    except (StoreError, ExportError, AnalyticsError, OSError) as exc:
        raise fail(f"書き出せませんでした / export failed: {exc}") from exc
    typer.echo(
        f"{len(history.orgs)} 団体 / organizations, "
        f"{len(history.collaborations)} 協働 / collaborations"
    )
    for path in written:
        typer.echo(f"書き出し / wrote {path}")


def stats(
    period: Annotated[
        str, typer.Option("--period", "-p", help="month | quarter | fiscal | year (期間の単位)")
    ] = "fiscal",
    by: Annotated[
        str,
        typer.Option(
            "--by", help="sector | area | field: one table per subnetwork (部分ネットワーク)"
        ),
    ] = "",
    indicators: Annotated[
        bool,
        typer.Option("--indicators", help="also print the plan-indicator table (成果指標)"),
    ] = False,
    save: Annotated[
        bool,
        typer.Option(
            "--save/--no-save", help="keep the figures as a snapshot (スナップショット保存)"
        ),
    ] = True,
) -> None:
    """Print the network growth table and keep it as a snapshot.
    ネットワークの成長の表を表示し、スナップショットとして保存します。"""
    from graph.analytics import (
        AnalyticsError,
        compare_snapshots,
        compute_growth,
        load_snapshots,
        network_events,
        save_snapshot,
    )
    from graph.store import StoreError

    config = settings()
    try:
        with open_configured(config) as store:
            history = network_events(store)
        figures = compute_growth(history, period, by.strip() or None)
    except (AnalyticsError, StoreError) as exc:
        raise fail(str(exc)) from exc
    if not figures:
        typer.echo("まだ団体も協働もありません / no organizations or collaborations yet")
        return
    typer.echo(growth_table(figures))
    if indicators:
        overall = figures if not by.strip() else compute_growth(history, period)
        typer.echo("")
        typer.echo(indicator_table(overall))
    if not save:
        return
    data_dir = config.data_dir
    latest = figures[-1]
    earlier = load_snapshots(data_dir, latest.period_kind, latest.period, latest.scope)
    paths = save_snapshot(data_dir, figures)
    typer.echo(
        f"\nスナップショット {len(paths)} 件を保存 / saved {len(paths)} period "
        f"snapshots under {data_dir / 'analytics'}"
    )
    if earlier:
        now = load_snapshots(data_dir, latest.period_kind, latest.period, latest.scope)[-1]
        diff = compare_snapshots(earlier[-1], now)
        typer.echo(
            f"前回 ({diff.old_computed_at:%Y-%m-%d %H:%M}) との差 / changes in "
            f"{diff.period} since the previous snapshot: {len(diff.changes)}"
            + (" (データ更新あり / data changed)" if diff.data_changed else "")
        )
        for c in diff.changes[:10]:
            if c.name == "isolated_ids" or c.name == "top_bridges":
                continue
            delta = f" ({c.delta:+g})" if c.delta is not None else ""
            typer.echo(f"  {c.label_ja} / {c.label_en}: {_cell(c.old)} → {_cell(c.new)}{delta}")


def register(app: typer.Typer) -> None:
    """Add ``tsunagu export`` and ``tsunagu stats`` to the ``tsunagu`` app."""
    app.command("export")(export)
    app.command("stats")(stats)
