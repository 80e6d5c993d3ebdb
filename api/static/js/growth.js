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
      el("thead", {}, el("tr", {}, el("th", {}, ""), table.periods.map((p) => el("th", {}, pick(p))))),
      el("tbody", {}, table.rows.map((row) =>
        el("tr", { dataset: { key: row.key } },
          el("th", { scope: "row" }, pick(row), row.unit && row.unit !== "%" ? el("span", { class: "muted small" }, bracket(unitOf(row))) : null),
          row.values.map((v) => el("td", {}, formatIndicator(v, row.unit)))))),
    ),
  );
}

let currentPeriod = "fiscal";

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
  const periods = normaliseGrowth(data, scope);
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

async function start() {
  try {
    planTargets = (await endpoints.planTargets()).rows;
  } catch (err) {
    planTargets = []; // the charts still show the figures
  }
  const fiscal = await loadPeriod("fiscal");
  for (const b of document.querySelectorAll("#period-buttons button")) {
    b.addEventListener("click", () => loadPeriod(b.dataset.period).catch(reportError));
  }
  await fillScopes();
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
  try {
    drawIndicators(fiscal?.plan_indicators || (await endpoints.indicators("fiscal")));
  } catch (err) {
    document.getElementById("indicators").replaceChildren(el("p", { class: "error" }, explainError(err)));
  }
}

startPage(start, ["staff", "coordinator", "admin"]);
