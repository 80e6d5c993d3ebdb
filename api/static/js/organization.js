// One organization's profile: who it is, its needs and offers, its collaborations (ended and
// evaluated here) and, for coordinators, asking for partners and shortlisting them.
import {
  bracket, currentUser, el, explainError, externalLink, formatDate, label, pageData, sectorBadge,
  startPage, t,
} from "./common.js";
import { collaborationItem } from "./collaboration.js";
import { endpoints } from "./endpoints.js";
import { suggestionPanel } from "./shortlist.js";

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
  const [needs, offers, collaborations, orgs] = await Promise.all([
    optional(endpoints.needsOf(orgId)),
    optional(endpoints.offersOf(orgId)),
    optional(endpoints.collaborationsOf(orgId)),
    optional(endpoints.organizations()),
  ]);
  const allOrgs = orgs.value || [org];
  const names = new Map(allOrgs.map((o) => [o.id, o.name]));
  const suggestions = coordinating
    ? { value: suggestionPanel(org, needs.value || [], allOrgs) }
    : { error: t("suggestions_forbidden") };
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
      section(t("needs"), "org-needs", shownOr(needs, (items) => listOr(items, (n) =>
        el("li", {}, el("strong", {}, n.title), n.description ? el("div", { class: "small" }, n.description) : null,
          el("div", {}, (n.resource_kinds || []).map((r) => el("span", { class: "tag" }, label("resource_kind", r)))))))),
      section(t("offers"), "org-offers", shownOr(offers, (items) => listOr(items, (o) =>
        el("li", {}, el("strong", {}, o.title), o.description ? el("div", { class: "small" }, o.description) : null,
          el("div", {}, (o.resource_kinds || []).map((r) => el("span", { class: "tag" }, label("resource_kind", r)))))))),
    ),
    section(t("suggestions_title"), "org-suggestions", shownOr(suggestions, (panel) => panel)),
    section(t("collaborations"), "org-collaborations", shownOr(collaborations, (items) =>
      listOr(items, (c) => collaborationItem(c, names, currentUser)))),
  );
  if (coordinating) {
    // a collaboration that did not start from a suggestion, with this organization leading
    document.querySelector("#org-collaborations h2").after(el("a", {
      class: "btn", id: "org-new-collaboration", href: `/collaborations/new?org=${encodeURIComponent(orgId)}`,
    }, t("cnew_nav")));
  }
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  box.dataset.ready = "true";
}

startPage(start);
