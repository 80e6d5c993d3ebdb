// One organization's profile: who it is, its needs and offers, its collaborations and, for
// coordinators, the partners suggested for it.
import {
  bracket, currentUser, el, explainError, externalLink, formatDate, formatNumber, label, pageData,
  sectorBadge, startPage, t,
} from "./common.js";
import { endpoints } from "./endpoints.js";

const orgId = pageData.orgId;
const box = document.getElementById("profile");

function section(title, id, content) {
  return el("section", { class: "card", id }, el("h2", {}, title), content);
}

function listOr(items, render) {
  return items.length ? el("ul", { class: "plain" }, items.map(render)) : el("p", { class: "muted" }, t("none"));
}

async function optional(promise) {
  try {
    return { value: await promise };
  } catch (err) {
    return { error: explainError(err) };
  }
}

function shownOr(result, render) {
  return result.error ? el("p", { class: "muted" }, result.error) : render(result.value);
}

async function start() {
  const org = await endpoints.organization(orgId);
  document.title = `${org.name} · ${t("app_name")}`;
  document.getElementById("back-link").href = `/network?org=${encodeURIComponent(orgId)}`;
  const coordinating = ["coordinator", "admin"].includes(currentUser?.role);
  const [needs, offers, collaborations, suggestions] = await Promise.all([
    optional(endpoints.needsOf(orgId)),
    optional(endpoints.offersOf(orgId)),
    optional(endpoints.collaborationsOf(orgId)),
    coordinating ? optional(endpoints.suggestionsFor(orgId)) : Promise.resolve({ error: t("suggestions_forbidden") }),
  ]);
  if (suggestions.value) {
    // Suggestions name their candidate by id: look the names up (a handful of requests).
    const ids = [...new Set(suggestions.value.map((s) => s.candidate_id))];
    const names = new Map(await Promise.all(ids.map((id) =>
      endpoints.organization(id).then((o) => [id, o.name]).catch(() => [id, id]))));
    for (const s of suggestions.value) s.candidate_name = names.get(s.candidate_id);
  }
  const contact = [org.contact_name, org.contact_email, org.contact_phone].filter(Boolean).join(" / ");
  box.replaceChildren(
    el("div", { class: "page-header" }, el("h1", { id: "org-name" }, org.name), sectorBadge(org.sector)),
    el("div", { class: "profile-grid" },
      section(t("org_title"), "org-facts", el("dl", {},
        org.name_kana ? [el("dt", {}, t("name_kana")), el("dd", {}, org.name_kana)] : null,
        el("dt", {}, t("sector")), el("dd", {}, label("sector", org.sector), org.subtype ? bracket(org.subtype) : ""),
        el("dt", {}, t("area")), el("dd", {}, org.area || t("unknown")),
        el("dt", {}, t("fields")), el("dd", {}, (org.fields || []).length ? org.fields.map((f) => el("span", { class: "tag" }, label("field", f))) : t("none")),
        org.founded ? [el("dt", {}, t("founded")), el("dd", {}, formatDate(org.founded))] : null,
        org.website ? [el("dt", {}, t("website")), el("dd", { id: "org-website" }, externalLink(org.website))] : null,
        contact ? [el("dt", {}, t("contact")), el("dd", {}, contact)] : null,
        el("dt", {}, t("description")), el("dd", {}, org.description || t("none")),
      )),
      section(t("suggestions_title"), "org-suggestions", shownOr(suggestions, (items) => listOr(items, (s) =>
        el("li", {}, el("a", { href: `/organizations/${encodeURIComponent(s.candidate_id)}` }, s.candidate_name || s.candidate_id),
          el("span", { class: "muted small" }, ` ${t("score")} ${formatNumber(s.score, 2)}`),
          s.status !== "proposed" ? el("span", { class: "tag" }, t(`status_${s.status}`)) : null,
          s.explanation ? el("div", { class: "muted small" }, s.explanation) : null)))),
      section(t("needs"), "org-needs", shownOr(needs, (items) => listOr(items, (n) =>
        el("li", {}, el("strong", {}, n.title), n.description ? el("div", { class: "small" }, n.description) : null,
          el("div", {}, (n.resource_kinds || []).map((r) => el("span", { class: "tag" }, label("resource_kind", r)))))))),
      section(t("offers"), "org-offers", shownOr(offers, (items) => listOr(items, (o) =>
        el("li", {}, el("strong", {}, o.title), o.description ? el("div", { class: "small" }, o.description) : null,
          el("div", {}, (o.resource_kinds || []).map((r) => el("span", { class: "tag" }, label("resource_kind", r)))))))),
    ),
    section(t("collaborations"), "org-collaborations", shownOr(collaborations, (items) => listOr(items, (c) =>
      el("li", {}, el("strong", {}, c.title), " ",
        el("span", { class: "tag" }, label("form", c.form)),
        el("span", { class: "tag" }, label("collaboration_status", c.status)),
        el("span", { class: "muted small" }, ` ${formatDate(c.starts)}${c.ends ? ` – ${formatDate(c.ends)}` : ""}`))))),
  );
  box.dataset.ready = "true";
}

startPage(start);
