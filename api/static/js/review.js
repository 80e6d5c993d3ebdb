// The coordinators' review queue: open suggestions, businesses' expressions of interest and
// residents' offers of help, filtered, sorted and paged by the API (the filters live in the
// address, so a reload keeps them); accept, reject or defer each with a note.
import {
  API, describeDetail, download, el, explainError, formatDate, formatNumber, lang, localised, showAlert,
  startPage, t, toast,
} from "./common.js";
import { endpoints } from "./endpoints.js";
import { pager } from "./pager.js";

const queueBox = document.getElementById("queue");

function orgLink(id, name) {
  if (!id) return t("unknown");
  return el("a", { href: `/organizations/${encodeURIComponent(id)}` }, name || t("unknown"));
}

/** A person by name; a user with no record left gets a neutral label, never the id. */
function personName(id, name) {
  return id ? (name || t("queue_unknown_user")) : "";
}

function party(title, id, name, extra) {
  return el("div", { class: "party" }, el("div", { class: "muted small" }, title),
    el("div", { class: "name" }, orgLink(id, name)), extra || null);
}

async function decide(item, status, card) {
  const note = card.querySelector("textarea").value.trim();
  for (const b of card.querySelectorAll("button")) b.disabled = true;
  try {
    if (item.type === "interest") await endpoints.decideInterest(item.id, status, note);
    else if (item.type === "help_offer") await endpoints.decideHelpOffer(item.id, status, note);
    else await endpoints.decideSuggestion(item.id, status, note);
    const done = t(`decided_${status}`);
    card.classList.add("decided");
    card.dataset.decided = status;
    const summary = `${done} ${item.org_name || ""}${item.candidate_name ? ` ⇄ ${item.candidate_name}` : ""}`;
    card.replaceChildren(el("p", { class: "muted" }, summary));
    if (item.type === "suggestion" && status === "accepted") card.append(draftButton(item, card));
    toast(done);
    updateCount(-1);
    loadResponseTimes();
  } catch (err) {
    for (const b of card.querySelectorAll("button")) b.disabled = false;
    showAlert(explainError(err));
  }
}

/** An accepted suggestion can become a planned collaboration in one click. */
function draftButton(item, card) {
  const button = el("button", { type: "button", class: "btn", "data-action": "draft" }, t("draft_collaboration"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const collab = await endpoints.draftCollaboration(item.id);
      button.replaceWith(el("p", { class: "draft-created" }, t("draft_created", { title: collab.title }), " ",
        el("a", { href: `/organizations/${encodeURIComponent(item.org_id)}#collab-${encodeURIComponent(collab.id)}`, "data-action": "open-collaboration" },
          t("open_collaboration"))));
      card.dataset.collaboration = collab.id;
    } catch (err) {
      button.disabled = false;
      showAlert(explainError(err));
    }
  });
  return button;
}

let remaining = 0;
function updateCount(delta = 0) {
  remaining += delta;
  const badge = document.getElementById("queue-count");
  badge.textContent = t("review_count", { n: remaining });
  badge.hidden = false;
}

/** What the item pairs: a business and a need, a resident and a need, or two organizations. */
function pair(item) {
  const need = el("div", { class: "party" }, el("div", { class: "muted small" }, t("need")),
    el("div", { class: "name" }, item.need_title || t("unknown")));
  if (item.type === "interest") {
    return el("div", { class: "pair" }, party(t("role_business"), item.org_id, item.org_name),
      el("span", { class: "arrow" }, "→"), need);
  }
  if (item.type === "help_offer") {
    return el("div", { class: "pair" },
      el("div", { class: "party" }, el("div", { class: "muted small" }, t("kind_help_offer")),
        el("div", { class: "name" }, item.offered_by || ""),
        item.contact ? el("div", { class: "muted small" }, `${t("contact")}: ${item.contact}`) : null),
      el("span", { class: "arrow" }, "→"), need);
  }
  return el("div", { class: "pair" },
    party(item.need_title ? `${t("need")}: ${item.need_title}` : t("details_title"), item.org_id, item.org_name),
    el("span", { class: "arrow" }, "⇄"),
    party(t("candidate"), item.candidate_id, item.candidate_name));
}

const BADGES = {
  suggestion: ["kind_suggestion", "#009E73"],
  interest: ["kind_interest", "#0072B2"],
  help_offer: ["kind_help_offer", "#CC79A7"],
};

function card(item) {
  // an interest and a resident's offer are accepted or declined; a suggestion may be deferred
  const isInterest = item.type !== "suggestion";
  const [badge, colour] = BADGES[item.type] || BADGES.suggestion;
  const explanation = el("div", { class: "explanation", hidden: true });
  const node = el("article", { class: "card queue-item", dataset: { id: item.id, type: item.type } },
    el("div", { class: "item-head" },
      el("span", { class: "badge", style: `--badge:${colour}` }, t(badge)),
      el("span", { class: "tag" }, t("waited_days", { days: Math.floor(item.waited_days) })),
      item.overdue ? el("span", { class: "tag tag-overdue" }, t("overdue")) : null,
      item.status === "deferred" ? el("span", { class: "tag" }, t("status_deferred")) : null,
      el("span", { class: "muted small", title: t("queue_entered", { date: formatDate(item.entered_at) }) },
        formatDate(item.entered_at)),
      item.coordinator_id
        ? el("span", { class: "tag coordinator" }, t("queue_coordinator_is", { name: personName(item.coordinator_id, item.coordinator_name) }))
        : null,
      item.reviewer_id
        ? el("span", { class: "tag reviewer" }, t("queue_deferred_by", { name: personName(item.reviewer_id, item.reviewer_name) }))
        : null,
      item.score !== null && item.score !== undefined
        ? el("span", { class: "muted small", style: "margin-left:auto" }, `${t("score")} ${formatNumber(item.score, 2)}`)
        : null),
    pair(item),
    item.message ? el("p", {}, el("span", { class: "muted" }, `${t("message")}: `), item.message) : null,
    explanation,
    el("div", { class: "decision" },
      el("label", {}, t("note_label"), el("textarea", { rows: 2, name: "note" })),
      el("div", { class: "buttons" },
        el("button", { type: "button", class: "btn btn-accept", "data-action": "accept", onclick: () => decide(item, "accepted", node) }, t("accept")),
        el("button", { type: "button", class: "btn btn-reject", "data-action": "reject", onclick: () => decide(item, isInterest ? "declined" : "rejected", node) }, t(isInterest ? "decline" : "reject")),
        isInterest ? null
          : el("button", { type: "button", class: "btn btn-defer", "data-action": "defer", onclick: () => decide(item, "deferred", node) }, t("defer")))),
  );
  if (!isInterest) {
    endpoints.suggestion(item.id).then((s) => {
      const text = localised(s.explanation);
      if (text) {
        explanation.textContent = `${t("why")}: ${text}`;
        explanation.hidden = false;
      }
    }).catch(() => {});
  }
  return node;
}

function days(hours) {
  return hours === null || hours === undefined ? "–" : t("queue_days", { n: formatNumber(hours / 24, 1) });
}

async function loadResponseTimes() {
  const box = document.getElementById("response-times");
  try {
    const stats = await endpoints.responseTimes();
    const summary = el("dl", { class: "queue-stats" },
      el("dt", {}, t("queue_stats_decided")), el("dd", { id: "stats-decided" }, t("queue_count", { n: formatNumber(stats.decided) })),
      el("dt", {}, t("queue_stats_median")), el("dd", { id: "stats-median" }, days(stats.median_hours)),
      el("dt", {}, t("queue_stats_mean")), el("dd", { id: "stats-mean" }, days(stats.mean_hours)),
      el("dt", {}, t("queue_stats_open")), el("dd", { id: "stats-open" }, t("queue_count", { n: formatNumber(stats.open) })),
      el("dt", {}, t("queue_stats_overdue")), el("dd", { id: "stats-overdue" }, t("queue_count", { n: formatNumber(stats.overdue) })));
    const table = stats.reviewers.length
      ? el("table", { class: "data", id: "stats-reviewers" },
        el("caption", {}, t("queue_stats_by")),
        el("thead", {}, el("tr", {}, el("th", {}, t("reviewer")), el("th", {}, t("decisions")),
          el("th", {}, t("queue_stats_median_days")), el("th", {}, t("queue_stats_mean_days")))),
        el("tbody", {}, stats.reviewers.map((r) => el("tr", {},
          el("td", {}, personName(r.reviewer, r.name)), el("td", {}, formatNumber(r.decisions)),
          el("td", {}, formatNumber(r.median_hours / 24, 1)), el("td", {}, formatNumber(r.mean_hours / 24, 1))))))
      : el("p", { class: "muted" }, t("queue_stats_none"));
    box.replaceChildren(summary, table);
    box.dataset.ready = "true";
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, explainError(err)));
  }
}

// -- the filters, kept in the address ------------------------------------------------------

const FILTERS = ["kind", "coordinator", "overdue", "org_id", "district", "sort"];
const PAGE_SIZES = [10, 20, 50];
const form = document.getElementById("queue-filters");
const field = (name) => document.getElementById(`f-${name}`);

/** The filters, sort, page size and offset the address asks for. */
function wanted() {
  const params = new URLSearchParams(location.search);
  const state = {};
  for (const name of FILTERS) state[name] = params.get(name) || "";
  const limit = Number.parseInt(params.get("limit") || "", 10);
  state.limit = PAGE_SIZES.includes(limit) ? limit : 20;
  state.offset = Math.max(0, Number.parseInt(params.get("offset") || "0", 10) || 0);
  return state;
}

/** Put `state` into the address (a new history entry) and show that page of the queue. */
function go(state) {
  const params = new URLSearchParams(location.search);
  for (const name of [...FILTERS, "limit", "offset"]) params.delete(name);
  for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
  if (state.limit !== 20) params.set("limit", state.limit);
  if (state.offset > 0) params.set("offset", state.offset);
  const query = params.toString();
  history.pushState(null, "", query ? `${location.pathname}?${query}` : location.pathname);
  show();
}

function fromForm() {
  const state = { offset: 0, limit: Number(field("limit").value) || 20 };
  for (const name of FILTERS) state[name] = field(name).value;
  if (state.sort === "oldest") state.sort = "";
  return state;
}

/** Options from the queue's facets (every open item's), keeping the one asked for even when
 * nothing open has it any more. */
function fillOptions(select, options, selected) {
  const fixed = [...select.querySelectorAll("option[data-fixed]")];
  const keep = fixed.length ? fixed : [...select.options].filter((o) => !o.value || o.value === "none");
  for (const o of keep) o.dataset.fixed = "true";
  const rows = options.map(([value, text]) => el("option", { value }, text));
  if (selected && !keep.some((o) => o.value === selected) && !options.some(([v]) => v === selected)) {
    rows.push(el("option", { value: selected }, t("unknown")));
  }
  select.replaceChildren(...keep, ...rows);
  select.value = selected;
}

function clearFieldErrors() {
  for (const p of form.querySelectorAll(".field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const s of form.querySelectorAll("select")) s.removeAttribute("aria-invalid");
}

/** A 422 names the filter it refuses: the message goes under that field, in the page's
 * language. */
function showFieldErrors(err) {
  const details = Array.isArray(err.detail) ? err.detail : [];
  let shown = false;
  for (const d of details) {
    const name = (d.loc || [])[1];
    const box = document.getElementById(`f-${name}-error`);
    if (!box) continue;
    box.textContent = describeDetail(d.msg);
    box.hidden = false;
    field(name).setAttribute("aria-invalid", "true");
    shown = true;
  }
  return shown;
}

function csvPath(state) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
  params.set("lang", lang === "en" ? "en" : "ja");
  return `queue/export.csv?${params}`;
}

const csvLink = document.getElementById("queue-csv");
csvLink.addEventListener("click", async (event) => {
  event.preventDefault();
  try {
    const name = await download(csvLink.dataset.path, "review-queue.csv");
    toast(t("downloaded", { name }));
  } catch (err) {
    showAlert(explainError(err));
  }
});

let showing = 0;
async function show() {
  const state = wanted();
  const mine = ++showing;
  delete queueBox.dataset.ready;
  for (const name of FILTERS) field(name).value = state[name] || (name === "sort" ? "oldest" : "");
  field("limit").value = String(state.limit);
  clearFieldErrors();
  const query = { limit: state.limit, offset: state.offset };
  for (const name of FILTERS) if (state[name]) query[name] = state[name];
  let page;
  try {
    page = await endpoints.queue(query);
  } catch (err) {
    if (mine !== showing) return;
    if (!(err.status === 422 && showFieldErrors(err))) showAlert(explainError(err));
    queueBox.replaceChildren();
    document.getElementById("queue-pager").replaceChildren();
    document.getElementById("queue-range").textContent = "";
    queueBox.dataset.ready = "error";
    return;
  }
  if (mine !== showing) return;
  const { facets } = page;
  fillOptions(field("coordinator"), facets.coordinators.map((p) => [p.id, personName(p.id, p.name)]), state.coordinator);
  fillOptions(field("org_id"), facets.organizations.map((p) => [p.id, p.name || t("unknown")]), state.org_id);
  fillOptions(field("district"), facets.districts.map((d) => [d, d]), state.district);
  document.getElementById("overdue-rule").textContent = t("queue_overdue_rule", { days: page.overdue_days });
  remaining = page.total;
  updateCount();
  const from = page.items.length ? page.offset + 1 : 0;
  document.getElementById("queue-range").textContent =
    t("queue_range", { from: formatNumber(from), to: formatNumber(page.offset + page.items.length), total: formatNumber(page.total) });
  csvLink.dataset.path = csvPath(state);
  csvLink.href = `${API}/${csvLink.dataset.path}`;
  csvLink.textContent = t("queue_csv", { total: formatNumber(page.total) });
  queueBox.replaceChildren(...(page.items.length
    ? page.items.map(card)
    : [el("p", { class: "card muted", id: "queue-empty" }, t(FILTERS.some((n) => state[n] && n !== "sort") ? "queue_no_match" : "review_empty"))]));
  document.getElementById("queue-pager").replaceChildren(
    page.total > page.limit ? pager(page, (offset) => go({ ...state, offset })) : "");
  queueBox.dataset.query = new URLSearchParams(query).toString();
  queueBox.dataset.ready = "true";
}

async function start() {
  form.addEventListener("change", () => go(fromForm()));
  document.getElementById("queue-clear").addEventListener("click", () => go({ offset: 0, limit: 20 }));
  window.addEventListener("popstate", () => show());
  await show();
  loadResponseTimes();
}

startPage(start, ["coordinator", "admin"]);
