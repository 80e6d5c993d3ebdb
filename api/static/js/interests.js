// A business's expressions of interest ("my interests"), newest first, each with its need, the
// need's organization and what became of it; coordinators see everyone's.
import { el, formatDate, startPage, t } from "./common.js";
import { endpoints } from "./endpoints.js";
import { pager } from "./pager.js";

const PAGE = 20;
const body = document.getElementById("interests-body");
const count = document.getElementById("interests-count");
const statusSelect = document.getElementById("interest-status");
let coordinating = false;

function orgLink(id, name) {
  return id ? el("a", { href: `/organizations/${encodeURIComponent(id)}` }, name || t("unknown")) : t("unknown");
}

function row(i) {
  return el("tr", { dataset: { id: i.id, need: i.need_id, status: i.status } },
    el("td", { class: "need-title" }, i.need_title || t("interest_need_hidden")),
    el("td", {}, orgLink(i.need_org_id, i.need_org_name)),
    coordinating ? el("td", {}, orgLink(i.org_id, i.org_name)) : null,
    el("td", {}, formatDate(i.created_at)),
    el("td", {}, el("span", { class: `tag interest-status status-${i.status}` }, t(`interest_status_${i.status}`))),
    el("td", { class: "answer" }, i.decided_at ? `${formatDate(i.decided_at)} ${i.note || ""}`.trim() : "–"));
}

async function show(offset = 0) {
  const page = await endpoints.interests({ status: statusSelect.value, offset, limit: PAGE });
  count.textContent = page.total
    ? t("page_range", { total: page.total, from: offset + 1, to: offset + page.items.length })
    : t("interests_none");
  body.replaceChildren(...page.items.map(row));
  document.getElementById("interests-pager").replaceChildren(pager(page, show));
  body.dataset.ready = "true";
}

async function start(user) {
  coordinating = user.role !== "business";
  for (const th of document.querySelectorAll(".coordinator-only")) th.hidden = !coordinating;
  statusSelect.addEventListener("change", () => show(0));
  await show(0);
}

startPage(start, ["business", "coordinator", "admin"]);
