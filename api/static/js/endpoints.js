// Every API route the pages call, in one place, and the small adapters from the API's JSON to
// what the pages draw.
import { api, lang, localised } from "./common.js";

export const endpoints = {
  network: "network/graph",
  growth: (period, by, signal) => api("network/growth", { query: { period, by }, signal }),
  indicators: (period = "fiscal") => api("network/indicators", { query: { period } }),
  exportPath: (format) => `network/export/${format}`,
  /** Growth figures kept by `tsunagu stats`: `{snapshots: [{id, period, scope, computed_at, partial, …}]}`. */
  snapshots: () => api("network/snapshots"),
  snapshot: (id) => api("network/snapshots/one", { query: { id } }),
  compareSnapshots: (oldId, newId) => api("network/snapshots/compare", { query: { old: oldId, new: newId } }),

  /** Stored suggestions about an organization, best first (names filled in by the caller). */
  suggestionsFor: async (orgId) => {
    const page = await api("suggestions", { query: { subject_id: orgId, limit: 200 } });
    return page.items.map(normaliseSuggestion).sort((a, b) => b.score - a.score);
  },
  /** Partners for an organization (or one of its needs), ranked and explained, stored
   * nowhere: `{items, queued, decided}` (see SuggestionsOut). */
  previewSuggestions: (orgId, needId, query) =>
    api(`${suggestionsBase(orgId, needId)}/suggestions`, { method: "POST", query: { ...query, store: "false" } }),
  /** Put the chosen suggestions of a preview (asked with the same query) into the queue. */
  shortlist: (orgId, needId, query, ids) =>
    api(`${suggestionsBase(orgId, needId)}/suggestions/shortlist`, { method: "POST", query, body: { ids } }),
  suggestion: (id) => api(`suggestions/${encodeURIComponent(id)}`),
  decideSuggestion: (id, status, note) =>
    api(`suggestions/${encodeURIComponent(id)}/decision`, { method: "POST", body: { status, note } }),
  draftCollaboration: (id) =>
    api(`suggestions/${encodeURIComponent(id)}/collaboration`, { method: "POST", body: {} }),
  decideInterest: (id, status, note) =>
    api(`interests/${encodeURIComponent(id)}/decision`, { method: "POST", body: { status, note } }),
  /** A resident's offer of help from the public site (accepted or declined, like an interest). */
  decideHelpOffer: (id, status, note) =>
    api(`help-offers/${encodeURIComponent(id)}/decision`, { method: "POST", body: { status, note } }),
  /** One page of the review queue: `{items, total, offset, limit, overdue_days, overdue_total,
   * facets}`; `query` holds the filters (kind, coordinator, overdue, org_id, district), sort,
   * offset and limit, all applied by the API. */
  queue: (query) => api("queue", { query }),
  /** The plan's indicators with their targets (public: the same report as /public/indicators). */
  planTargets: () => api("public/indicators"),
  responseTimes: () => api("queue/response-times"),
  /** Open public needs ranked for an organization: a page `{items: [{need, score}], total,
   * offset, limit}` (the total counts every match, not just this page). */
  opportunities: (query) => api("opportunities", { query: { limit: 20, ...query } }),
  /** Expressions of interest with their needs named (a business's own), newest first. */
  interests: (query) => api("interests", { query }),
  expressInterest: (needId, message, orgId) =>
    api(`needs/${encodeURIComponent(needId)}/interests`, {
      method: "POST", body: orgId ? { message, org_id: orgId } : { message },
    }),
  /** Token holders (admins), oldest first; `createToken` answers the token in clear, once. */
  tokens: (includeRevoked) => api("tokens", { query: { include_revoked: includeRevoked ? "true" : "" } }),
  createToken: (request) => api("tokens", { method: "POST", body: request }),
  revokeToken: (userId) => api(`tokens/${encodeURIComponent(userId)}`, { method: "DELETE" }),
  /** Every organization (id, name, sector, area), for names and the district list. */
  organizations: async () => (await api("organizations", { query: { limit: 1000 } })).items,
  organization: (orgId) => api(`organizations/${encodeURIComponent(orgId)}`),
  needsOf: async (orgId) => (await api("needs", { query: { org_id: orgId, limit: 200 } })).items,
  offersOf: async (orgId) => (await api("offers", { query: { org_id: orgId, limit: 200 } })).items,
  endCollaboration: (id) => api(`collaborations/${encodeURIComponent(id)}/end`, { method: "POST", body: {} }),
  evaluateCollaboration: (id, evaluation) =>
    api(`collaborations/${encodeURIComponent(id)}/evaluations`, { method: "POST", body: evaluation }),
  /** A matching event's seating plan (SeatingOut); `seatingFile` is the plan shown, posted
   * back as a CSV or XLSX file (a raw response). */
  seating: (request) => api("events/seating", { method: "POST", body: request }),
  seatingFile: (fmt, rounds, language) =>
    api(`events/seating/export/${fmt}`, { method: "POST", query: { lang: language }, body: { rounds }, raw: true }),
  createCollaboration: (collab) => api("collaborations", { method: "POST", body: collab }),
  /** The registered districts (`[{id, name, name_kana}]`); coordinators register new ones. */
  districts: () => api("districts"),
  registerDistrict: (name, nameKana) =>
    api("districts", { method: "POST", body: nameKana ? { name, name_kana: nameKana } : { name } }),
  /** One record of `path` (organizations, needs, offers); edits and deletes send its version
   * as If-Match, so a change made meanwhile by someone else is refused (409), never lost. */
  record: (path, id) => api(`${path}/${encodeURIComponent(id)}`),
  createRecord: (path, body) => api(path, { method: "POST", body }),
  updateRecord: (path, id, version, body) =>
    api(`${path}/${encodeURIComponent(id)}`, { method: "PATCH", body, headers: { "If-Match": `"${version}"` } }),
  deleteRecord: (path, id, version) =>
    api(`${path}/${encodeURIComponent(id)}`, { method: "DELETE", headers: { "If-Match": `"${version}"` } }),
  deletedRecords: (path) => api(`deleted/${path}`, { query: { limit: 200 } }),
  restoreRecord: (path, id) => api(`${path}/${encodeURIComponent(id)}/restore`, { method: "POST" }),
  collaborationsOf: async (orgId) =>
    (await api("collaborations", { query: { org_id: orgId, limit: 200 } })).items,
};

function suggestionsBase(orgId, needId) {
  return needId ? `needs/${encodeURIComponent(needId)}` : `organizations/${encodeURIComponent(orgId)}`;
}

/** The network JSON as `{nodes: [{id, name, sector, area, fields, first_seen}], edges: [...]}`. */
export function normaliseNetwork(data) {
  const nodes = (data.nodes || []).map((n) => ({
    ...n,
    id: String(n.id),
    name: n.name || n.label || String(n.id),
    first_seen: String(n.first_seen || n.start || n.created_at || "").slice(0, 10),
  }));
  const ids = new Set(nodes.map((n) => n.id));
  const edges = (data.edges || data.links || [])
    .map((e) => ({
      ...e,
      source: String(e.source),
      target: String(e.target),
      first: String(e.first || e.start || "").slice(0, 10),
      count: e.count || e.weight || 1,
    }))
    .filter((e) => ids.has(e.source) && ids.has(e.target));
  return { ...data, nodes, edges };
}

export function normaliseSuggestion(s) {
  return {
    ...s,
    explanation: localised(s.explanation),
  };
}

/** Growth figures of one scope ("all", "sector:npo", "area:…", "field:07") as
 * `[{key, label, start, end, figures}]`, oldest period first. */
export function normaliseGrowth(data, scope = "all") {
  const list = Array.isArray(data) ? data : data.series || data.periods || [];
  return list
    .filter((p) => !p.scope || p.scope === scope)
    .map((p) => ({
      ...p,
      key: p.key || p.period,
      label: (lang === "ja" ? p.label_ja : p.label_en) || p.label || p.key || p.period,
      figures: p.figures || p,
    }));
}
