// The coordinators' review queue: open suggestions and businesses' expressions of interest,
// the longest-waiting first; accept, reject or defer each with a note.
import {
  el, explainError, formatDate, formatNumber, localised, showAlert, startPage, t, toast,
} from "./common.js";
import { endpoints } from "./endpoints.js";

const queueBox = document.getElementById("queue");

function orgLink(id, name) {
  if (!id) return t("unknown");
  return el("a", { href: `/organizations/${encodeURIComponent(id)}` }, name || id);
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
    el("div", { class: "name" }, item.need_title || item.need_id));
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
      el("span", { class: "muted small" }, formatDate(item.created_at)),
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

async function loadResponseTimes() {
  const box = document.getElementById("response-times");
  try {
    const rows = await endpoints.responseTimes();
    box.replaceChildren(rows.length
      ? el("table", { class: "data" },
        el("thead", {}, el("tr", {}, el("th", {}, t("reviewer")), el("th", {}, t("decisions")), el("th", {}, t("mean_days")))),
        el("tbody", {}, rows.map((r) => el("tr", {},
          el("td", {}, r.name || r.reviewer), el("td", {}, formatNumber(r.decisions)),
          el("td", {}, formatNumber(r.mean_hours / 24, 1))))))
      : el("p", { class: "muted" }, t("none")));
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, explainError(err)));
  }
}

async function start() {
  const queue = await endpoints.queue();
  remaining = queue.total ?? queue.items.length;
  updateCount();
  queueBox.replaceChildren(...(queue.items.length
    ? queue.items.map(card)
    : [el("p", { class: "card muted" }, t("review_empty"))]));
  queueBox.dataset.ready = "true";
  loadResponseTimes();
}

startPage(start, ["coordinator", "admin"]);
