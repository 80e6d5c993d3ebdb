// Every API route the pages call, in one place, and the small adapters from the API's JSON to
// what the pages draw.
import { api, lang, localised } from "./common.js";

export const endpoints = {
  network: "network/graph",
  growth: (period) => api("network/growth", { query: { period } }),
  indicators: () => api("network/indicators"),
  exportPath: (format) => `network/export/${format}`,

  suggestionsFor: async (orgId) => {
    const data = await api(`organizations/${encodeURIComponent(orgId)}/suggestions`);
    return (data.items || data).map(normaliseSuggestion);
  },
  organization: (orgId) => api(`organizations/${encodeURIComponent(orgId)}`),
};

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

/** Growth figures as `[{key, label, start, end, figures}]`, oldest period first. */
export function normaliseGrowth(data) {
  const list = Array.isArray(data) ? data : data.periods || data.figures || [];
  return list.map((p) => ({
    ...p,
    key: p.key || p.period,
    label: (lang === "ja" ? p.label_ja : p.label_en) || p.label || p.key || p.period,
    figures: p.figures || p,
  }));
}
