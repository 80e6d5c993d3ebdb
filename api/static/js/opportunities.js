// The businesses' opportunity search: open public needs ranked for their organization, and a
// button to say "we are interested", which lands in the coordinators' queue.
import {
  el, explainError, formatDate, formatNumber, label, labels, localised, showAlert, startPage, t, toast,
} from "./common.js";
import { endpoints } from "./endpoints.js";
import { pager } from "./pager.js";

const form = document.getElementById("search-form");
const results = document.getElementById("results");
const count = document.getElementById("result-count");
let user = null;
let orgNames = new Map();
let expressed = new Map(); // need id → status of this organization's expression of interest
let lastQuery = {};

/** What the card says instead of the button once the organization has expressed interest. */
function alreadySent(status) {
  return el("p", { class: "muted interest-sent" }, t("opp_interest_already", { status: t(`interest_status_${status}`) }));
}

function needCard(hit) {
  const need = hit.need;
  const message = el("input", { type: "text", placeholder: t("opp_message_placeholder"), "aria-label": t("message") });
  const button = el("button", { type: "button", class: "btn btn-primary", "data-action": "interest" }, t("opp_interest"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const acting = user.role === "business" ? null : document.getElementById("acting-org").value;
      await endpoints.expressInterest(need.id, message.value.trim(), acting);
      expressed.set(need.id, "open");
      node.querySelector(".interest").replaceChildren(el("p", { class: "muted interest-sent" }, t("opp_interest_sent")));
      toast(t("opp_interest_sent"));
    } catch (err) {
      button.disabled = false;
      showAlert(explainError(err));
      if (err.status === 409 && user.role === "business") {
        // Already expressed (from another page, or by a colleague): say what became of it.
        await loadExpressed().catch(() => {});
        if (expressed.has(need.id)) node.querySelector(".interest").replaceChildren(alreadySent(expressed.get(need.id)));
      }
    }
  });
  const period = need.starts || need.ends ? `${formatDate(need.starts)} – ${formatDate(need.ends)}` : null;
  const node = el("article", { class: "card result", dataset: { id: need.id } },
    el("div", { class: "item-head" },
      el("span", { class: "item-title" }, need.title),
      hit.score !== undefined ? el("span", { class: "muted small", style: "margin-left:auto" }, `${t("score")} ${formatNumber(hit.score, 2)}`) : null),
    el("div", { class: "meta" },
      el("span", { class: "org-name" }, el("a", { href: `/organizations/${encodeURIComponent(need.org_id)}` }, orgNames.get(need.org_id) || need.org_id)),
      need.area ? el("span", {}, `${t("area")}: ${need.area}`) : null,
      period ? el("span", {}, `${t("period")}: ${period}`) : null),
    need.description ? el("p", {}, need.description) : null,
    el("div", {},
      (need.fields || []).map((f) => el("span", { class: "tag" }, label("field", f))),
      (need.resource_kinds || []).map((r) => el("span", { class: "tag" }, label("resource_kind", r))),
      (need.skills || []).map((s) => el("span", { class: "tag" }, s))),
    hit.explanation ? el("div", { class: "explanation" }, `${t("why")}: ${localised(hit.explanation)}`) : null,
    el("div", { class: "interest" }, expressed.has(need.id) ? alreadySent(expressed.get(need.id)) : [message, button]),
  );
  return node;
}

async function search(event) {
  event?.preventDefault();
  const data = new FormData(form);
  const query = {};
  for (const [k, v] of data.entries()) if (String(v).trim()) query[k] = String(v).trim();
  if (query.skill) query.skill = query.skill.split(/[,、，]\s*/).filter(Boolean);
  lastQuery = query;
  await showPage(0);
}

async function loadExpressed() {
  if (user.role !== "business") return;
  const page = await endpoints.interests({ limit: 200 });
  expressed = new Map(page.items.map((i) => [i.need_id, i.status]));
}

async function showPage(offset) {
  count.textContent = t("loading");
  delete results.dataset.ready;
  try {
    const page = await endpoints.opportunities({ ...lastQuery, offset });
    const hits = page.items;
    count.textContent = page.total
      ? t("opp_results_page", { total: page.total, from: offset + 1, to: offset + hits.length })
      : "";
    results.replaceChildren(...(hits.length ? hits.map(needCard) : [el("p", { class: "card muted" }, t("opp_none"))]));
    if (page.total > page.limit) results.append(pager(page, showPage));
    results.dataset.ready = "true";
    if (offset) window.scrollTo(0, 0);
  } catch (err) {
    count.textContent = "";
    showAlert(explainError(err));
  }
}

async function start(signedIn) {
  user = signedIn;
  const select = document.getElementById("resource");
  for (const [value, text] of Object.entries(labels.resource_kind)) select.append(el("option", { value }, text));
  const orgs = await endpoints.organizations();
  orgNames = new Map(orgs.map((o) => [o.id, o.name]));
  const areas = [...new Set(orgs.map((o) => o.area).filter(Boolean))].sort();
  document.getElementById("area-list").replaceChildren(...areas.map((a) => el("option", { value: a })));
  if (user.role !== "business") {
    // Coordinators search on behalf of an organization (the ranking is for that organization).
    const businesses = orgs.filter((o) => o.sector === "business");
    document.getElementById("acting-org").replaceChildren(
      ...(businesses.length ? businesses : orgs).map((o) => el("option", { value: o.id }, o.name)));
    document.getElementById("acting-org-field").hidden = false;
  }
  form.addEventListener("submit", search);
  await loadExpressed();
  await search();
}

startPage(start, ["business", "coordinator", "admin"]);
