// Growth charts per fiscal year, quarter or month, the plan-indicator table and the exports.
import {
  bracket, download, el, explainError, formatNumber, label, labels, lang, sectorColours, showAlert,
  startPage, t,
  toast,
} from "./common.js";
import { endpoints, normaliseGrowth } from "./endpoints.js";

const charts = {};
const FONT = '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic UI", Meiryo, sans-serif';
const BRAND = "#1f4e79";
const ACCENT = "#0a7f6f";

Chart.defaults.font.family = FONT;
Chart.defaults.font.size = 13;
Chart.defaults.color = "#34465a";
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.animation = false; // the tests' screenshots must show finished charts

const percent = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);

function chart(id, config) {
  charts[id]?.destroy();
  charts[id] = new Chart(document.getElementById(id), config);
  return charts[id];
}

function lineDataset(labelText, data, colour, extra = {}) {
  return {
    type: "line", label: labelText, data, borderColor: colour, backgroundColor: colour,
    pointRadius: data.length > 30 ? 0 : 3, borderWidth: 2, tension: 0.2, spanGaps: true, ...extra,
  };
}

function barDataset(labelText, data, colour, extra = {}) {
  return { type: "bar", label: labelText, data, backgroundColor: colour, borderRadius: 3, ...extra };
}

const legendBottom = { legend: { position: "bottom", labels: { boxWidth: 12 } } };
const percentAxis = { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } };

/** The plan's targets (the public indicator report), shown on the fiscal-year charts. */
let planTargets = [];

/** Target points for `figure` on the periods' axis (extended with later target years), or
 * null when no computed indicator names it or the charts are not fiscal years of the whole. */
function targetSeries(figure, keys, scale = (v) => v) {
  if (currentPeriod !== "fiscal" || currentScope() !== "all") return null;
  const rows = planTargets.filter((r) => r.method === "computed" && r.figure === figure);
  if (!rows.length) return null;
  const byKey = {};
  for (const r of rows) for (const tg of r.targets) byKey[`FY${tg.year}`] = scale(tg.value);
  return keys.map((k) => byKey[k] ?? null);
}

/** The periods' keys and labels, extended with the fiscal years the plan sets targets for. */
function axis(periods) {
  const keys = periods.map((p) => p.key);
  const labels = periods.map((p) => p.label);
  if (currentPeriod === "fiscal" && currentScope() === "all") {
    const years = planTargets.filter((r) => r.method === "computed")
      .flatMap((r) => r.targets.map((tg) => tg.year))
      .filter((y) => !keys.includes(`FY${y}`)).sort((a, b) => a - b);
    for (const y of new Set(years)) {
      keys.push(`FY${y}`);
      labels.push(lang === "ja" ? `${y}年度` : `FY${y}`);
    }
  }
  return { keys, labels };
}

function targetDataset(data, colour, extra = {}) {
  return {
    type: "line", label: t("series_target"), data, borderColor: colour, backgroundColor: "#fff",
    showLine: false, pointStyle: "triangle", pointRadius: 7, borderWidth: 2, ...extra,
  };
}

function draw(periods) {
  const { keys, labels } = axis(periods);
  const f = (name) => keys.map((_, i) => (i < periods.length ? periods[i].figures[name] ?? null : null));
  const sectors = Object.keys(sectorColours).filter((s) =>
    periods.some((p) => (p.figures.organizations_by_sector || {})[s]));

  chart("chart-orgs", {
    type: "bar",
    data: {
      labels,
      datasets: sectors.map((s) => barDataset(
        label("sector", s), keys.map((_, i) => (periods[i] ? (periods[i].figures.organizations_by_sector || {})[s] || 0 : null)),
        sectorColours[s], { borderRadius: 0 },
      )),
    },
    options: {
      plugins: legendBottom,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
    },
  });

  chart("chart-collabs", {
    data: {
      labels,
      datasets: [
        barDataset(t("series_new"), f("new_collaborations"), "#8fb3d9", { yAxisID: "y" }),
        lineDataset(t("series_cumulative"), f("cumulative_collaborations"), BRAND, { yAxisID: "y1" }),
        ...[["new_collaborations", "y", "#8fb3d9"], ["cumulative_collaborations", "y1", BRAND]]
          .map(([figure, yAxisID, colour]) => [targetSeries(figure, keys), yAxisID, colour, figure])
          .filter(([data]) => data)
          .map(([data, yAxisID, colour, figure]) => targetDataset(data, colour, { yAxisID, figure })),
      ],
    },
    options: {
      plugins: legendBottom,
      scales: {
        y: { beginAtZero: true, position: "left", title: { display: true, text: t("series_new") } },
        y1: {
          beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
          title: { display: true, text: t("series_cumulative") },
        },
      },
    },
  });

  chart("chart-new-ties", {
    data: { labels, datasets: [barDataset(t("chart_new_ties"), f("new_ties"), ACCENT)] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });

  chart("chart-density", {
    data: { labels, datasets: [lineDataset(t("chart_density"), f("density"), BRAND)] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });

  chart("chart-cross-sector", {
    data: {
      labels,
      datasets: [
        lineDataset(t("chart_cross_sector"), f("cross_sector_share").map(percent), "#D55E00"),
        ...[targetSeries("cross_sector_share", keys)].filter(Boolean)
          .map((data) => targetDataset(data, "#D55E00", { figure: "cross_sector_share" })),
      ],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: percentAxis } },
  });

  chart("chart-components", {
    data: {
      labels,
      datasets: [lineDataset(t("chart_components"), f("largest_component_share").map(percent), "#009E73")],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: percentAxis } },
  });
}

/** The latest period's structure: components, communities, paths, and who bridges. */
function drawStructure(periods) {
  const last = periods[periods.length - 1];
  if (!last) return;
  const f = last.figures;
  document.getElementById("structure-title").textContent = t("structure_title", { period: last.label });
  const rows = [
    ["fig_components", formatNumber(f.components)],
    ["fig_communities", formatNumber(f.communities)],
    ["fig_modularity", formatNumber(f.modularity, 3)],
    ["fig_average_degree", formatNumber(f.average_degree, 2)],
    ["fig_average_path_length", formatNumber(f.average_path_length, 2)],
    ["fig_diameter", formatNumber(f.diameter)],
    ["fig_isolated", formatNumber(f.isolated_organizations)],
  ];
  document.getElementById("structure-figures").replaceChildren(
    ...rows.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
  document.getElementById("bridges").replaceChildren(...(f.top_bridges || []).map((b) =>
    el("li", {},
      el("a", { href: `/organizations/${encodeURIComponent(b.id)}` }, b.name || b.id), " ",
      el("span", { class: "badge", style: `--badge:${sectorColours[b.sector] || "#999"}` }, label("sector", b.sector)),
      el("span", { class: "muted small" }, ` ${formatNumber(b.betweenness, 3)}`))));
}

function formatIndicator(value, unit) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (unit === "%") return `${formatNumber(value * 100, 1)}%`;
  return Number.isInteger(value) ? formatNumber(value) : formatNumber(value, 2);
}

/** A period's column heading: "FY2025" over its months "(Apr 2025–Mar 2026)" so that every
 * year fits a laptop's width, and the running period marked partial. */
function periodHeading(p) {
  const text = (lang === "ja" ? p.label_ja : p.label_en) || p.key;
  const [name, range] = text.split(" (");
  return el("th", { scope: "col", dataset: { period: p.key, partial: p.partial ? "true" : "false" } },
    name,
    range ? el("span", { class: "period-range" }, `(${range}`) : null,
    p.partial ? el("span", { class: "partial-mark" }, t("staff_partial")) : null);
}

function drawIndicators(table) {
  const box = document.getElementById("indicators");
  if (!table.rows?.length || !table.periods?.length) {
    box.replaceChildren(el("p", { class: "muted" }, t("indicators_none")));
    return;
  }
  const pick = (x) => (lang === "ja" ? x.label_ja : x.label_en) || x.key;
  const unitOf = (row) => {
    const [ja, en] = String(row.unit || "").split(" / ");
    return row.unit === "%" ? "%" : (lang === "ja" ? ja : en ?? ja) || "";
  };
  box.replaceChildren(
    el("table", { class: "data", id: "indicator-table" },
      el("thead", {}, el("tr", {}, el("th", {}, ""), table.periods.map(periodHeading))),
      el("tbody", {}, table.rows.map((row) =>
        el("tr", { dataset: { key: row.key } },
          el("th", { scope: "row" }, pick(row), row.unit && row.unit !== "%" ? el("span", { class: "muted small" }, bracket(unitOf(row))) : null),
          row.values.map((v) => el("td", {}, formatIndicator(v, row.unit)))))),
    ),
  );
}

let currentPeriod = "fiscal";
/** Every figure's name in both languages (from the growth answer), for the snapshot tables. */
let figureLabels = {};

/** A period still running is labelled "集計中 / partial" wherever it is drawn. */
function markPartial(p) {
  return p.partial ? { ...p, label: `${p.label}${t("staff_partial_suffix")}` } : p;
}

/** The scope chosen in the select: "all" or "sector:npo", "area:中央", "field:07". */
function currentScope() {
  return document.getElementById("scope").value || "all";
}

async function fillScopes() {
  const add = (group, values, labelOf) => document.getElementById(group).replaceChildren(
    ...values.map((v) => el("option", { value: `${group.slice(6)}:${v}` }, labelOf(v))));
  add("scope-sector", Object.keys(labels.sector), (v) => label("sector", v));
  add("scope-field", Object.keys(labels.field), (v) => `${v} ${label("field", v)}`);
  try {
    const orgs = await endpoints.organizations();
    add("scope-area", [...new Set(orgs.map((o) => o.area).filter(Boolean))].sort(), (v) => v);
  } catch (err) {
    document.getElementById("scope-area").remove(); // districts are optional here
  }
}

/** The request now in flight: only the latest choice of period and scope may draw, so an
 * earlier, slower answer can never overwrite a later one (it is aborted, and ignored if it
 * still arrives). */
let latest = { seq: 0, controller: null };

/** Fetch and draw the figures of `period` for the scope chosen now. */
async function loadPeriod(period) {
  currentPeriod = period;
  const scope = currentScope();
  for (const b of document.querySelectorAll("#period-buttons button")) {
    b.setAttribute("aria-pressed", String(b.dataset.period === period));
  }
  latest.controller?.abort();
  const mine = { seq: latest.seq + 1, controller: new AbortController() };
  latest = mine;
  const charts = document.getElementById("charts");
  const note = document.getElementById("period-count");
  note.textContent = t("loading");
  charts.setAttribute("aria-busy", "true");
  delete charts.dataset.ready;
  let data;
  try {
    data = await endpoints.growth(period, scope === "all" ? undefined : scope.split(":")[0], mine.controller.signal);
  } catch (err) {
    if (err.name === "AbortError" || latest !== mine) return null; // a newer choice was made
    throw err;
  }
  if (latest !== mine) return null;
  const periods = normaliseGrowth(data, scope).map(markPartial);
  figureLabels = data.labels?.figures || figureLabels;
  note.textContent =
    periods.length ? `${periods[0].label} – ${periods[periods.length - 1].label}` : t("none");
  draw(periods);
  drawStructure(periods);
  charts.dataset.period = period;
  charts.dataset.scope = scope;
  charts.dataset.ready = "true";
  charts.removeAttribute("aria-busy");
  return data;
}

const reportError = (err) => showAlert(explainError(err));

/** Wire the page's controls before anything is fetched: a button that is on the page works
 * when it is clicked, however slow the first figures are (a late answer to an earlier choice
 * never draws over a later one, see `loadPeriod`). */
function wireControls() {
  for (const b of document.querySelectorAll("#period-buttons button")) {
    b.addEventListener("click", () => loadPeriod(b.dataset.period).catch(reportError));
  }
  document.getElementById("scope").addEventListener("change", () =>
    loadPeriod(currentPeriod).catch(reportError));
  for (const b of document.querySelectorAll("#exports button")) {
    b.addEventListener("click", async () => {
      try {
        const name = await download(endpoints.exportPath(b.dataset.format), `tsunagu-network.${b.dataset.format}`);
        toast(t("downloaded", { name }));
      } catch (err) {
        showAlert(explainError(err));
      }
    });
  }
}

async function start() {
  wireControls();
  try {
    planTargets = (await endpoints.planTargets()).rows;
  } catch (err) {
    planTargets = []; // the charts still show the figures
  }
  const scopes = fillScopes();
  const fiscal = await loadPeriod("fiscal");
  await scopes;
  try {
    drawIndicators(fiscal?.plan_indicators || (await endpoints.indicators("fiscal")));
  } catch (err) {
    document.getElementById("indicators").replaceChildren(el("p", { class: "error" }, explainError(err)));
  }
}

// ---- Snapshots kept by `tsunagu stats`: pick a period, two computations, see what changed ----

let snapshots = [];

const snapLabel = (s) => (lang === "ja" ? s.label_ja : s.label_en);
const snapScope = (s) => (lang === "ja" ? s.scope_label_ja : s.scope_label_en);
const snapGroup = (s) => `${s.period_kind}|${s.scope}|${s.period}`;

function computedAt(s) {
  const at = new Date(s.computed_at);
  const text = at.toLocaleString(lang === "ja" ? "ja-JP" : "en-GB", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
  return s.partial ? `${text}${t("staff_partial_suffix")}` : text;
}

function fillComputations() {
  const group = document.getElementById("snap-period").value;
  const runs = snapshots.filter((s) => snapGroup(s) === group);
  for (const [id, pick] of [["snap-old", runs.length - 2], ["snap-new", runs.length - 1]]) {
    document.getElementById(id).replaceChildren(...runs.map((s, i) =>
      el("option", { value: s.id, selected: i === Math.max(pick, 0) }, computedAt(s))));
  }
}

async function loadSnapshots() {
  const note = document.getElementById("snap-note");
  snapshots = (await endpoints.snapshots()).snapshots;
  if (!snapshots.length) {
    note.textContent = t("staff_snap_none");
    document.querySelector("#snapshots .toolbar").hidden = true;
    return;
  }
  const groups = [...new Map(snapshots.map((s) => [snapGroup(s), s])).values()];
  const kinds = { fiscal: "period_year", quarter: "period_quarter", month: "period_month", year: "staff_period_calendar" };
  document.getElementById("snap-period").replaceChildren(...groups.map((s, i) =>
    el("option", { value: snapGroup(s), selected: i === groups.length - 1 },
      `${snapLabel(s)} · ${snapScope(s)} · ${t(kinds[s.period_kind] || "period_year")}`)));
  fillComputations();
  document.getElementById("snap-period").addEventListener("change", fillComputations);
  document.getElementById("snap-compare").addEventListener("click", () => compareSnapshots().catch(reportError));
}

/** A figure's value as the tables print it: lists of bridges by name, other lists by count. */
function snapValue(value) {
  if (value === null || value === undefined) return "–";
  if (Array.isArray(value)) {
    return value.some((v) => v && typeof v === "object" && v.name)
      ? value.map((v) => v.name).join("、") : t("staff_snap_items", { n: value.length });
  }
  if (typeof value === "number") return Number.isInteger(value) ? formatNumber(value) : formatNumber(value, 4);
  return String(value);
}

function figureName(name) {
  const [key, part] = name.split(".");
  const entry = figureLabels[key];
  const base = entry ? entry[lang] || entry.ja : key;
  if (!part) return base;
  const sub = key === "organizations_by_sector" ? label("sector", part)
    : key === "new_collaborations_by_form" ? label("form", part) : part;
  return `${base}（${sub}）`;
}

function flatten(figures, prefix = "") {
  const out = {};
  for (const [k, v] of Object.entries(figures || {})) {
    if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

async function compareSnapshots() {
  const oldId = document.getElementById("snap-old").value;
  const newId = document.getElementById("snap-new").value;
  const box = document.getElementById("snap-result");
  box.dataset.ready = "false";
  const [diff, later] = await Promise.all([
    endpoints.compareSnapshots(oldId, newId), endpoints.snapshot(newId)]);
  const changed = new Map(diff.changes.map((c) => [c.name, c]));
  const figures = flatten(later.figures);
  const names = Object.keys(figures).filter((n) => n !== "isolated_ids");
  for (const c of diff.changes) if (!(c.name in figures) && c.name !== "isolated_ids") names.push(c.name);
  const notes = [t("staff_snap_changed", { n: diff.changes.filter((c) => c.name !== "isolated_ids").length })];
  if (diff.data_changed) notes.push(t("staff_snap_data_changed"));
  if (diff.method_changed) notes.push(t("staff_snap_method_changed"));
  if (diff.old.partial || diff.new.partial) notes.push(t("staff_snap_partial_note"));
  document.getElementById("snap-note").textContent = notes.join(" ");
  const delta = (c) => (c && c.delta !== null && c.delta !== undefined
    ? `${c.delta > 0 ? "+" : ""}${snapValue(c.delta)}` : c ? t("staff_snap_differs") : "");
  box.replaceChildren(el("table", { class: "data", id: "snap-table" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("staff_snap_figure")),
      el("th", { scope: "col" }, computedAt(diff.old)),
      el("th", { scope: "col" }, computedAt(diff.new)),
      el("th", { scope: "col" }, t("staff_snap_delta")))),
    el("tbody", {}, names.map((n) => {
      const c = changed.get(n);
      return el("tr", { dataset: { figure: n }, class: c ? "changed" : "" },
        el("th", { scope: "row" }, figureName(n)),
        el("td", { class: "old" }, snapValue(c ? c.old : figures[n])),
        el("td", { class: "new" }, snapValue(c ? c.new : figures[n])),
        el("td", { class: "delta" }, delta(c)));
    }))));
  box.dataset.ready = "true";
}

async function startAll() {
  await start();
  try {
    await loadSnapshots();
  } catch (err) {
    document.getElementById("snap-note").textContent = explainError(err);
  }
}

startPage(startAll, ["staff", "coordinator", "admin"]);
