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
  // who may change this organization and its needs and offers (as workflows.access.check_write)
  const editing = coordinating || (currentUser?.role === "business" && currentUser.org_id === orgId);
  const editLink = (path, id) => (editing
    ? el("a", { class: "small record-edit", href: `/records/${path}/${encodeURIComponent(id)}/edit` }, t("rec_edit"))
    : null);
  const addLink = (path, key) => (editing
    ? el("a", { class: "btn small", id: `org-${path}-add`, href: `/records/${path}/new?org=${encodeURIComponent(orgId)}` }, t(key))
    : null);
  const [needs, offers, collaborations, orgs] = await Promise.all([
    optional(endpoints.needsOf(orgId)),
    optional(endpoints.offersOf(orgId)),
    optional(endpoints.collaborationsOf(orgId)),
    optional(endpoints.organizations()),
  ]);
  const allOrgs = orgs.value || [org];
  const names = new Map(allOrgs.map((o) => [o.id, o.name]));
  // partners beyond the first page of organizations are named too (a deleted one stays unknown)
  const unnamed = [...new Set((collaborations.value || []).flatMap((c) => (c.participants || []).map((p) => p.org_id)))]
    .filter((id) => !names.has(id));
  for (const partner of await Promise.all(unnamed.map((id) => endpoints.organization(id).catch(() => null)))) {
    if (partner) names.set(partner.id, partner.name);
  }
  const suggestions = coordinating
    ? { value: suggestionPanel(org, needs.value || [], allOrgs) }
    : { error: t("suggestions_forbidden") };
  const contact = [org.contact_name, org.contact_email, org.contact_phone].filter(Boolean).join(" / ");
  box.replaceChildren(
    el("div", { class: "page-header" }, el("h1", { id: "org-name" }, org.name), sectorBadge(org.sector),
      editing ? el("a", { class: "btn", id: "org-edit", href: `/records/organizations/${encodeURIComponent(orgId)}/edit` }, t("rec_edit")) : null),
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
      section(t("needs"), "org-needs", el("div", {}, shownOr(needs, (items) => listOr(items, (n) =>
        el("li", {}, el("strong", {}, n.title), " ", editLink("needs", n.id), n.description ? el("div", { class: "small" }, n.description) : null,
          el("div", {}, (n.resource_kinds || []).map((r) => el("span", { class: "tag" }, label("resource_kind", r))))))),
        addLink("needs", "rec_add_need"))),
      section(t("offers"), "org-offers", el("div", {}, shownOr(offers, (items) => listOr(items, (o) =>
        el("li", {}, el("strong", {}, o.title), " ", editLink("offers", o.id), o.description ? el("div", { class: "small" }, o.description) : null,
          el("div", {}, (o.resource_kinds || []).map((r) => el("span", { class: "tag" }, label("resource_kind", r))))))),
        addLink("offers", "rec_add_offer"))),
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
