"""The plan's numeric targets (数値目標): indicators, their yearly actuals and the report.

An :class:`~graph.model.Indicator` is defined by staff, a coordinator or an admin.  A computed
one takes its actual for each fiscal year from the records (a figure of
:func:`graph.analytics.compute_growth` for fiscal years, such as ``new_collaborations``, or one
part of a per-form or per-sector count, ``new_collaborations_by_form:co_hosting``); an entered
one from the values staff entered with their source (a resident survey, a staff survey).

For each target the report gives the achievement rate (達成率) and the progress from the
baseline (進捗率) of the latest actual:

* achievement = actual ÷ target × 100 (for a figure the plan wants lower: target ÷ actual × 100);
* progress = (actual − baseline) ÷ (target − baseline) × 100.

Both are rounded to one decimal, as plans print them.  Shares from the analytics (fractions
0–1) are reported in percent.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from graph.analytics import FIGURE_LABELS, compute_growth
from graph.cells import neutral_row
from graph.errors import InvalidInput, NotFound
from graph.model import (
    CollaborationForm,
    Direction,
    Indicator,
    IndicatorMethod,
    Sector,
    User,
    YearValue,
)
from graph.store import GraphStore
from workflows.access import check_publishing

#: figures that are fractions in the analytics and percentages in a plan
SHARE_FIGURES = ("share_with_partner", "cross_sector_share", "largest_component_share")
#: figures that are a count per key: ``name:key``
KEYED_FIGURES = {
    "new_collaborations_by_form": {m.value for m in CollaborationForm},
    "organizations_by_sector": {m.value for m in Sector},
}


def computable_figures() -> list[str]:
    """Every figure a computed indicator may name."""
    plain = [
        k
        for k in FIGURE_LABELS
        if k not in KEYED_FIGURES and k not in ("top_bridges", "community_sizes", "isolated_ids")
    ]
    keyed = [f"{k}:{v}" for k, values in KEYED_FIGURES.items() for v in sorted(values)]
    return plain + keyed


def check_figure(figure: str) -> str:
    if figure not in computable_figures():
        raise InvalidInput(
            f"集計できない指標です: {figure!r}",
            f"not a figure Tsunagu computes: {figure!r} (one of {', '.join(computable_figures())})",
        )
    return figure


def figure_value(figures: dict[str, Any], figure: str) -> float | None:
    """One fiscal year's value of ``figure`` from a period's figures."""
    name, _, key = figure.partition(":")
    value = figures.get(name)
    if key:
        value = (value or {}).get(key, 0)
    if value is None or isinstance(value, list | dict):
        return None
    number = float(value)
    return round(number * 100, 4) if name in SHARE_FIGURES else number


# --------------------------------------------------------------------------------------------
# Defining indicators
# --------------------------------------------------------------------------------------------


def list_indicators(store: GraphStore, user: User) -> list[Indicator]:
    """Every indicator as defined (not the report's computed figures), in the plan's order:
    what the staff's page edits."""
    check_publishing(user)
    return sorted(
        (i for i in store.iter_all("Indicator") if isinstance(i, Indicator)),
        key=lambda i: (i.order, i.id),
    )


def save_indicator(store: GraphStore, user: User, data: dict[str, Any]) -> Indicator:
    """Create or replace an indicator (by its id)."""
    check_publishing(user)
    indicator = Indicator.model_validate(data)
    if indicator.method == IndicatorMethod.COMPUTED:
        check_figure(indicator.figure or "")
    store.upsert([indicator.model_copy(update={"version": None})])
    stored = store.get("Indicator", indicator.id)
    assert isinstance(stored, Indicator)
    return stored


def enter_actual(
    store: GraphStore, user: User, indicator_id: str, year: int, value: float, source: str
) -> Indicator:
    """Enter (or correct) one fiscal year's actual of an entered indicator, with its source."""
    check_publishing(user)
    got = store.get("Indicator", indicator_id)
    if not isinstance(got, Indicator):
        raise NotFound(f"指標 {indicator_id!r} が見つかりません", f"no indicator {indicator_id!r}")
    if got.method != IndicatorMethod.ENTERED:
        raise InvalidInput(
            "集計指標の実績は記録から求めます",
            "a computed indicator's actuals come from the records",
        )
    if not source.strip():
        raise InvalidInput("実績の出典を入力してください", "give the actual's source")
    actuals = [a for a in got.actuals if a.year != year]
    actuals.append(YearValue(year=year, value=value, source=source.strip()))
    new = got.model_copy(update={"actuals": sorted(actuals, key=lambda a: a.year)})
    store.upsert([Indicator.model_validate(new.model_dump())])
    stored = store.get("Indicator", indicator_id)
    assert isinstance(stored, Indicator)
    return stored


def delete_indicator(store: GraphStore, user: User, indicator_id: str) -> None:
    check_publishing(user)
    if store.get("Indicator", indicator_id) is None:
        raise NotFound(f"指標 {indicator_id!r} が見つかりません", f"no indicator {indicator_id!r}")
    store.soft_delete("Indicator", indicator_id)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


class TargetRow(BaseModel):
    year: int
    value: float
    #: 達成率 (%) of the latest actual; None without an actual
    achievement: float | None
    #: 進捗率 (%) from the baseline; None without an actual or when target = baseline
    progress: float | None
    met: bool | None


class IndicatorRow(BaseModel):
    id: str
    name_ja: str
    name_en: str
    unit: str
    method: IndicatorMethod
    figure: str | None
    direction: Direction
    baseline_year: int
    baseline_value: float | None
    actuals: list[YearValue]
    latest: YearValue | None
    targets: list[TargetRow]
    note: str


class IndicatorReport(BaseModel):
    years: list[int]  # every year with an actual or a target, for the columns
    rows: list[IndicatorRow]


def achievement(actual: float, target: float, direction: Direction) -> float | None:
    """達成率 in percent, one decimal (see the module docstring)."""
    if direction == Direction.DOWN:
        return None if actual == 0 else round(target / actual * 100, 1)
    return None if target == 0 else round(actual / target * 100, 1)


def progress(actual: float, baseline: float | None, target: float) -> float | None:
    """進捗率 in percent, one decimal: how far from the baseline to the target."""
    if baseline is None or target == baseline:
        return None
    return round((actual - baseline) / (target - baseline) * 100, 1)


def _computed_actuals(store: GraphStore, figures: Sequence[str]) -> dict[str, dict[int, float]]:
    if not figures:
        return {}
    growth = [f for f in compute_growth(store, "fiscal") if f.scope == "all"]
    out: dict[str, dict[int, float]] = {}
    for figure in figures:
        by_year: dict[int, float] = {}
        for period in growth:
            value = figure_value(period.figures, figure)
            if value is not None:
                by_year[period.start.year] = value
        out[figure] = by_year
    return out


def report(store: GraphStore) -> IndicatorReport:
    """Every indicator with its baseline, actuals, targets and rates, in the plan's order.
    Indicators are public (the plan's targets are): no user is needed to read the report."""
    indicators = sorted(
        (i for i in store.iter_all("Indicator") if isinstance(i, Indicator)),
        key=lambda i: (i.order, i.id),
    )
    computed = _computed_actuals(
        store,
        sorted({i.figure for i in indicators if i.method == IndicatorMethod.COMPUTED and i.figure}),
    )
    rows = []
    for ind in indicators:
        baseline = ind.baseline_value
        if ind.method == IndicatorMethod.COMPUTED:
            by_year = computed.get(ind.figure or "", {})
            actuals = [
                YearValue(year=y, value=v, source="記録から集計 / computed from the records")
                for y, v in sorted(by_year.items())
                if y > ind.baseline_year
            ]
            if baseline is None:
                baseline = by_year.get(ind.baseline_year)
        else:
            actuals = sorted(ind.actuals, key=lambda a: a.year)
        latest = actuals[-1] if actuals else None
        targets = []
        for t in sorted(ind.targets, key=lambda t: t.year):
            rate = None if latest is None else achievement(latest.value, t.value, ind.direction)
            targets.append(
                TargetRow(
                    year=t.year,
                    value=t.value,
                    achievement=rate,
                    progress=None if latest is None else progress(latest.value, baseline, t.value),
                    met=None if rate is None else rate >= 100.0,
                )
            )
        rows.append(
            IndicatorRow(
                id=ind.id,
                name_ja=ind.name_ja,
                name_en=ind.name_en or ind.name_ja,
                unit=ind.unit,
                method=ind.method,
                figure=ind.figure,
                direction=ind.direction,
                baseline_year=ind.baseline_year,
                baseline_value=baseline,
                actuals=actuals,
                latest=latest,
                targets=targets,
                note=ind.note,
            )
        )
    years = sorted(
        {r.baseline_year for r in rows}
        | {a.year for r in rows for a in r.actuals}
        | {t.year for r in rows for t in r.targets}
    )
    return IndicatorReport(years=years, rows=rows)


def era_label(year: int) -> str:
    """The fiscal year in the Japanese era as plans write it (平成18年度 → H18; R1 from 2019)."""
    if year >= 2019:
        return f"R{year - 2018}"
    if year >= 1989:
        return f"H{year - 1988}"
    return f"S{year - 1925}"


def year_label(year: int, lang: str) -> str:
    return f"{year}年度（{era_label(year)}）" if lang == "ja" else f"FY{year} ({era_label(year)})"


#: the report's headings, in both languages
HEADINGS = {
    "ja": {
        "sheet": "数値目標",
        "actuals": "実績",
        "indicator": "指標",
        "unit": "単位",
        "method": "把握方法",
        "baseline_year": "基準年度",
        "baseline": "基準値",
        "latest_year": "最新実績の年度",
        "latest": "最新実績",
        "target_year": "目標年度",
        "target": "目標値",
        "achievement": "達成率（%）",
        "progress": "進捗率（%）",
        "year": "年度",
        "value": "値",
        "source": "出典",
    },
    "en": {
        "sheet": "Targets",
        "actuals": "Actuals",
        "indicator": "Indicator",
        "unit": "Unit",
        "method": "Method",
        "baseline_year": "Baseline year",
        "baseline": "Baseline",
        "latest_year": "Latest actual's year",
        "latest": "Latest actual",
        "target_year": "Target year",
        "target": "Target",
        "achievement": "Achievement (%)",
        "progress": "Progress (%)",
        "year": "Fiscal year",
        "value": "Value",
        "source": "Source",
    },
}


def report_xlsx(rep: IndicatorReport, lang: str = "ja") -> bytes:
    """The report as an XLSX workbook: one row per indicator and target on the first sheet,
    every actual with its source on the second.  Texts go through :func:`graph.cells.neutral_row`
    so that no cell can run as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    h = HEADINGS["en" if lang == "en" else "ja"]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = h["sheet"]
    header = [
        h["indicator"],
        h["unit"],
        h["method"],
        h["baseline_year"],
        h["baseline"],
        h["latest_year"],
        h["latest"],
        h["target_year"],
        h["target"],
        h["achievement"],
        h["progress"],
    ]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rep.rows:
        name = row.name_en if lang == "en" else row.name_ja
        method = row.method.label_en if lang == "en" else row.method.label_ja
        for t in row.targets:
            ws.append(
                neutral_row(
                    [
                        name,
                        row.unit,
                        method,
                        year_label(row.baseline_year, lang),
                        row.baseline_value,
                        year_label(row.latest.year, lang) if row.latest else None,
                        row.latest.value if row.latest else None,
                        year_label(t.year, lang),
                        t.value,
                        t.achievement,
                        t.progress,
                    ]
                )
            )
    for col, width in zip("ABCDEFGHIJK", (40, 8, 18, 18, 10, 18, 10, 18, 10, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws2 = wb.create_sheet(h["actuals"])
    ws2.append([h["indicator"], h["year"], h["value"], h["source"]])
    for cell in ws2[1]:
        cell.font = Font(bold=True)
    for row in rep.rows:
        name = row.name_en if lang == "en" else row.name_ja
        for a in row.actuals:
            ws2.append(neutral_row([name, year_label(a.year, lang), a.value, a.source]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
