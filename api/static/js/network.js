// The network map: a force-directed layout of the whole network, computed once so that every
// organization keeps its place, then shown as of the month chosen with the slider. Play replays
// the growth month by month.
import {
  api, bracket, el, explainError, formatDate, label, lang, sectorBadge, sectorColours, startPage, t,
  toast,
} from "./common.js";
import { endpoints, normaliseNetwork } from "./endpoints.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const HEIGHT = 640;
let WIDTH = 1000; // set from the drawing area's shape at start
const PLAY_STEP_MS = 140;
const LABELLED = 8; // names shown for the best-connected organizations

const svg = document.getElementById("map");
const slider = document.getElementById("time-slider");
const playButton = document.getElementById("play");
const asof = document.getElementById("asof");
const countOrgs = document.getElementById("count-orgs");
const countTies = document.getElementById("count-ties");
const showIsolated = document.getElementById("show-isolated");

let net; // {nodes, edges}
let steps = []; // [{end: ISO day, label}] oldest first
let view = { x: 0, y: 0, k: 1 };
let selected = null;
let playing = null;
let user = null;

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** Month ends from `first` to `last` (used when the API sends no periods). */
function monthEnds(first, last) {
  const out = [];
  let y = Number(first.slice(0, 4));
  let m = Number(first.slice(5, 7));
  const lastKey = last.slice(0, 7);
  for (;;) {
    const end = new Date(Date.UTC(y, m, 0)); // day 0 of the next month = last day of this one
    const iso = end.toISOString().slice(0, 10);
    out.push(iso);
    if (iso.slice(0, 7) >= lastKey) break;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

function monthLabel(iso) {
  const [y, m] = iso.split("-").map(Number);
  return lang === "ja"
    ? `${y}年${m}月`
    : new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
}

/** Lay out every organization once (deterministic: d3-force seeds its own random source). */
function layout() {
  const nodes = net.nodes;
  const links = net.edges.map((e) => ({ source: e.source, target: e.target }));
  const sectors = Object.keys(sectorColours);
  // A gentle pull towards a point per sector keeps the colours readable as groups.
  const anchor = (s) => {
    const i = Math.max(0, sectors.indexOf(s));
    const a = (2 * Math.PI * i) / sectors.length;
    return { x: WIDTH / 2 + Math.cos(a) * WIDTH * 0.3, y: HEIGHT / 2 + Math.sin(a) * HEIGHT * 0.3 };
  };
  const linked = new Set(links.flatMap((l) => [l.source, l.target]));
  // Organizations without ties would drift to the edge and shrink everything else: hold them
  // close to their sector's anchor instead.
  const pull = (d) => (linked.has(d.id) ? 0.06 : 0.35);
  const sim = d3
    .forceSimulation(nodes)
    .force("link", d3.forceLink(links).id((d) => d.id).distance(46).strength(0.12))
    .force("charge", d3.forceManyBody().strength(-70).distanceMax(320))
    .force("x", d3.forceX((d) => anchor(d.sector).x).strength(pull))
    .force("y", d3.forceY((d) => anchor(d.sector).y).strength(pull))
    .force("collide", d3.forceCollide(8))
    .stop();
  // Fewer steps for a big city keep the first paint quick; hundreds of organizations get all.
  const ticks = nodes.length > 2000 ? 120 : 320;
  for (let i = 0; i < ticks; i++) sim.tick();
  // Fit into the drawing area.
  const xs = nodes.map((n) => n.x);
  const ys = nodes.map((n) => n.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const k = Math.min((WIDTH - 60) / (x1 - x0 || 1), (HEIGHT - 60) / (y1 - y0 || 1));
  for (const n of nodes) {
    n.x = 30 + (n.x - x0) * k + (WIDTH - 60 - (x1 - x0) * k) / 2;
    n.y = 30 + (n.y - y0) * k + (HEIGHT - 60 - (y1 - y0) * k) / 2;
  }
}

function draw() {
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.replaceChildren();
  const viewport = svgEl("g", { id: "viewport" });
  const edgeLayer = svgEl("g", { class: "edges" });
  const nodeLayer = svgEl("g", { class: "nodes" });
  const labelLayer = svgEl("g", { class: "labels" });
  viewport.append(edgeLayer, nodeLayer, labelLayer);
  svg.append(viewport);
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  for (const e of net.edges) {
    const a = byId.get(e.source);
    const b = byId.get(e.target);
    e.el = svgEl("line", { class: "edge", x1: a.x, y1: a.y, x2: b.x, y2: b.y });
    edgeLayer.append(e.el);
  }
  for (const n of net.nodes) {
    n.el = svgEl("circle", {
      class: "node", cx: n.x, cy: n.y, r: 4, fill: sectorColours[n.sector] || "#999",
      "data-id": n.id,
    });
    const title = svgEl("title");
    title.textContent = `${n.name}${bracket(label("sector", n.sector))}`;
    n.el.append(title);
    n.el.addEventListener("click", (event) => {
      event.stopPropagation();
      select(n.id);
    });
    nodeLayer.append(n.el);
    n.labelEl = svgEl("text", { class: "node-label", x: n.x + 7, y: n.y + 4 });
    n.labelEl.textContent = n.name;
    labelLayer.append(n.labelEl);
  }
  applyView();
}

/** Show the network as of steps[i]: nodes that have appeared, ties that have started. */
function showStep(i) {
  const day = steps[i].end;
  const prev = i > 0 ? steps[i - 1].end : "";
  asof.textContent = steps[i].label;
  const degree = new Map();
  let ties = 0;
  for (const e of net.edges) {
    const on = e.first <= day;
    e.visible = on;
    e.el.style.display = on ? "" : "none";
    e.el.classList.toggle("new", on && e.first > prev);
    if (on) {
      ties += 1;
      degree.set(e.source, (degree.get(e.source) || 0) + 1);
      degree.set(e.target, (degree.get(e.target) || 0) + 1);
    }
  }
  let orgs = 0;
  for (const n of net.nodes) {
    n.degree = degree.get(n.id) || 0;
    const appeared = n.first_seen <= day;
    n.visible = appeared && (showIsolated.checked || n.degree > 0);
    n.el.style.display = n.visible ? "" : "none";
    n.el.setAttribute("r", (3.5 + Math.sqrt(n.degree) * 1.7).toFixed(1));
    if (appeared) orgs += 1;
  }
  // Names of the best-connected organizations (and the selected one), skipping any that would
  // overlap a name already placed.
  const ranked = net.nodes.filter((n) => n.visible && (n.degree > 0 || n.id === selected))
    .sort((a, b) => (b.id === selected) - (a.id === selected) || b.degree - a.degree || a.name.localeCompare(b.name));
  const placed = [];
  const labelled = new Set();
  for (const n of ranked) {
    if (labelled.size >= LABELLED && n.id !== selected) break;
    const box = { x0: n.x + 6, x1: n.x + 8 + n.name.length * 11, y0: n.y - 8, y1: n.y + 6 };
    if (placed.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1)) continue;
    placed.push(box);
    labelled.add(n.id);
  }
  for (const n of net.nodes) n.labelEl.style.display = labelled.has(n.id) ? "" : "none";
  countOrgs.textContent = orgs.toLocaleString();
  countTies.textContent = ties.toLocaleString();
  svg.dataset.asof = day;
  highlight(selected);
}

/** Emphasise `id`, its ties and its partners; fade the rest (null clears). */
function highlight(id) {
  const partners = new Set();
  for (const e of net.edges) {
    const on = Boolean(id) && e.visible && (e.source === id || e.target === id);
    e.el.classList.toggle("hl", on);
    e.el.classList.toggle("dim", Boolean(id) && !on);
    if (on) partners.add(e.source === id ? e.target : e.source);
  }
  for (const n of net.nodes) {
    n.el.classList.toggle("selected", n.id === id);
    n.el.classList.toggle("faded", Boolean(id) && n.id !== id && !partners.has(n.id));
  }
}

function applyView() {
  document.getElementById("viewport").setAttribute(
    "transform", `translate(${view.x} ${view.y}) scale(${view.k})`,
  );
}

function enableZoomAndPan() {
  const toSvg = (event) => {
    const r = svg.getBoundingClientRect();
    return { x: ((event.clientX - r.left) / r.width) * WIDTH, y: ((event.clientY - r.top) / r.height) * HEIGHT };
  };
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const p = toSvg(event);
    const k = Math.min(8, Math.max(0.5, view.k * Math.exp(-event.deltaY * 0.0015)));
    view = { k, x: p.x - ((p.x - view.x) * k) / view.k, y: p.y - ((p.y - view.y) * k) / view.k };
    applyView();
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.target.classList.contains("node")) return;
    drag = { start: toSvg(event), view: { ...view } };
    svg.classList.add("dragging");
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const p = toSvg(event);
    view = { ...drag.view, x: drag.view.x + p.x - drag.start.x, y: drag.view.y + p.y - drag.start.y };
    applyView();
  });
  const end = () => {
    drag = null;
    svg.classList.remove("dragging");
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  document.getElementById("reset-view").addEventListener("click", () => {
    view = { x: 0, y: 0, k: 1 };
    applyView();
  });
}

function renderLegend() {
  const legend = document.getElementById("legend");
  legend.replaceChildren(
    el("strong", {}, `${t("legend_title")}:`),
    ...Object.entries(sectorColours)
      .filter(([s]) => net.nodes.some((n) => n.sector === s))
      .map(([s, colour]) =>
        el("span", { class: "legend-item" }, el("i", { style: `background:${colour}` }), label("sector", s))),
  );
}

function play() {
  if (playing) {
    clearInterval(playing);
    playing = null;
    playButton.textContent = t("play");
    return;
  }
  if (Number(slider.value) >= steps.length - 1) slider.value = 0;
  playButton.textContent = t("pause");
  playing = setInterval(() => {
    const next = Number(slider.value) + 1;
    if (next >= steps.length) {
      play(); // stop at the end
      return;
    }
    slider.value = next;
    showStep(next);
  }, PLAY_STEP_MS);
}

async function select(id) {
  selected = id;
  const n = net.nodes.find((x) => x.id === id);
  if (!n) return;
  showStep(Number(slider.value));
  document.getElementById("details-hint").hidden = true;
  const step = steps[Number(slider.value)];
  const partners = net.edges
    .filter((e) => e.visible && (e.source === id || e.target === id))
    .map((e) => ({ node: net.nodes.find((x) => x.id === (e.source === id ? e.target : e.source)), edge: e }))
    .sort((a, b) => (b.edge.count || 1) - (a.edge.count || 1) || a.node.name.localeCompare(b.node.name));
  const fields = (n.fields || []).map((f) => el("span", { class: "tag" }, label("field", f)));
  const suggestionBox = el("div", { id: "node-suggestions" }, el("p", { class: "muted" }, t("loading")));
  const body = document.getElementById("details-body");
  body.replaceChildren(
    el("h3", { id: "node-name" }, n.name),
    sectorBadge(n.sector),
    el("dl", {},
      el("dt", {}, t("area")), el("dd", {}, n.area || t("unknown")),
      el("dt", {}, t("fields")), el("dd", {}, fields.length ? fields : t("none")),
      el("dt", {}, t("since")), el("dd", {}, formatDate(n.first_seen)),
      el("dt", {}, t("degree")), el("dd", {}, `${partners.length}${bracket(step.label)}`),
    ),
    el("p", {}, el("a", { href: `/organizations/${encodeURIComponent(id)}`, class: "btn" }, t("open_profile"))),
    el("h3", {}, t("partners")),
    partners.length
      ? el("ul", { class: "plain" }, partners.slice(0, 12).map(({ node, edge }) =>
        el("li", {},
          el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); select(node.id); } }, node.name),
          " ", sectorBadge(node.sector),
          edge.count > 1 ? el("span", { class: "muted small" }, ` ×${edge.count}`) : null)))
      : el("p", { class: "muted" }, t("none")),
    el("h3", {}, t("suggestions_title")),
    suggestionBox,
  );
  await loadSuggestions(id, suggestionBox);
}

async function loadSuggestions(id, box) {
  if (!user || !["coordinator", "admin"].includes(user.role)) {
    box.replaceChildren(el("p", { class: "muted" }, t("suggestions_forbidden")));
    return;
  }
  try {
    const items = await endpoints.suggestionsFor(id);
    if (selected !== id) return;
    box.replaceChildren(
      items.length
        ? el("div", {}, items.slice(0, 8).map((s) =>
          el("div", { class: "suggestion-item" },
            el("span", { class: "score" }, Number(s.score).toFixed(2)),
            el("a", { href: `/organizations/${encodeURIComponent(s.candidate_id)}` },
              net.nodes.find((x) => x.id === s.candidate_id)?.name || s.candidate_id),
            s.status !== "proposed" ? el("span", { class: "tag" }, t(`status_${s.status}`)) : null,
            s.explanation ? el("div", { class: "muted small" }, s.explanation) : null)))
        : el("p", { class: "muted" }, t("suggestions_none")),
    );
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, explainError(err)));
  }
}

async function start(signedIn) {
  user = signedIn;
  net = normaliseNetwork(await api(endpoints.network));
  if (!net.nodes.length) {
    asof.textContent = t("none");
    return;
  }
  if (net.periods?.length) {
    steps = net.periods.map((p) => ({ end: p.end, label: lang === "ja" ? p.label_ja : p.label_en }));
  } else {
    const days = [...net.nodes.map((n) => n.first_seen), ...net.edges.map((e) => e.first)].sort();
    steps = monthEnds(days[0], days[days.length - 1]).map((end) => ({ end, label: monthLabel(end) }));
  }
  const box = svg.getBoundingClientRect();
  if (box.width && box.height) WIDTH = Math.round((HEIGHT * box.width) / box.height);
  layout();
  draw();
  renderLegend();
  enableZoomAndPan();
  slider.max = String(steps.length - 1);
  slider.value = String(steps.length - 1);
  slider.disabled = false;
  playButton.disabled = false;
  slider.addEventListener("input", () => {
    if (playing) play(); // the person took over: stop replaying
    showStep(Number(slider.value));
  });
  playButton.addEventListener("click", play);
  showIsolated.addEventListener("change", () => showStep(Number(slider.value)));
  svg.addEventListener("click", () => {
    selected = null;
    highlight(null);
    showStep(Number(slider.value));
  });
  showStep(steps.length - 1);
  document.getElementById("org-names").replaceChildren(
    ...net.nodes.map((n) => el("option", { value: n.name })));
  const find = document.getElementById("find-org-input");
  const findOrg = (event) => {
    event?.preventDefault();
    const name = find.value.trim();
    if (!name) return;
    const hit = net.nodes.find((n) => n.name === name) || net.nodes.find((n) => n.name.includes(name));
    if (!hit) {
      toast(t("find_org_none"));
      return;
    }
    if (!hit.visible) {
      // Not there yet at the chosen month: jump to the end, where every organization is.
      slider.value = String(steps.length - 1);
    }
    select(hit.id);
  };
  document.getElementById("find-org").addEventListener("submit", findOrg);
  find.addEventListener("change", findOrg);
  const wanted = new URLSearchParams(location.search).get("org");
  if (wanted) select(wanted);
  svg.dataset.ready = "true";
}

startPage(start, ["staff", "coordinator", "admin"]);
