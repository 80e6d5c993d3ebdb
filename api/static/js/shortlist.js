// Asking for partners on an organization's page (coordinators): the filters, the ranked
// partners with their reasons, and a shortlist. Showing suggestions stores nothing; only the
// shortlisted ones enter the review queue (a pair already there is merged into its item).
import {
  el, explainError, formatNumber, label, labels, localised, sectorBadge, showAlert, t, toast,
} from "./common.js";
import { endpoints } from "./endpoints.js";

const K = 10;

function select(id, name, options, anyLabel = t("suggest_any")) {
  return el("select", { id, name },
    el("option", { value: "" }, anyLabel),
    options.map(([value, text]) => el("option", { value }, text)));
}

function field(labelText, control, forId) {
  return el("div", { class: "field" }, el("label", { for: forId }, labelText), control);
}

function check(id, text) {
  return el("label", { class: "check" }, el("input", { type: "checkbox", id }), " ", text);
}

/** The filters as the API's query (the same query asks and shortlists). */
function readQuery(form) {
  const sectors = [...form.querySelectorAll("input[name=sector]:checked")].map((c) => c.value);
  return {
    k: K,
    sector: sectors,
    area: form.querySelector("#suggest-area").value,
    field: form.querySelector("#suggest-field").value,
    exclude_current_partners: form.querySelector("#suggest-partners").checked ? "false" : "true",
    diverse: form.querySelector("#suggest-diverse").checked ? "true" : "false",
  };
}

/** The panel for organization `org` (its `needs`; `orgs` gives names, sectors and districts). */
export function suggestionPanel(org, needs, orgs) {
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const areas = [...new Set(orgs.map((o) => o.area).filter(Boolean))].sort();
  const needSelect = select("suggest-need", "need",
    needs.map((n) => [n.id, n.title]), t("suggest_need_none"));
  const form = el("form", { class: "suggest-form", id: "suggest-form" },
    field(t("need"), needSelect, "suggest-need"),
    el("fieldset", { class: "field sectors" }, el("legend", {}, t("sector")),
      Object.entries(labels.sector).map(([value, text]) =>
        el("label", { class: "check" }, el("input", { type: "checkbox", name: "sector", value }), " ", text))),
    field(t("area"), select("suggest-area", "area", areas.map((a) => [a, a])), "suggest-area"),
    field(t("fields"), select("suggest-field", "field", Object.entries(labels.field)), "suggest-field"),
    el("div", { class: "field checks" },
      check("suggest-partners", t("suggest_include_partners")),
      check("suggest-diverse", t("suggest_diverse"))),
    el("button", { type: "submit", class: "btn btn-primary", id: "suggest-button" }, t("suggest_show")),
  );
  const results = el("div", { id: "suggest-results", "aria-live": "polite" });
  const shortlistButton = el("button", { type: "button", class: "btn btn-primary", id: "shortlist-button", disabled: true },
    t("shortlist_button"));
  const outcome = el("p", { id: "shortlist-result", class: "muted", hidden: true });
  const actions = el("div", { class: "shortlist-actions", hidden: true }, shortlistButton, outcome);
  let asked = null; // {needId, query} of the list shown

  function updateButton() {
    shortlistButton.disabled = !results.querySelector("input[name=pick]:checked");
  }

  function row(s, preview) {
    const cand = byId.get(s.candidate_id);
    const name = cand?.name || t("unknown");
    const queued = preview.queued[s.id];
    const decided = preview.decided[s.id];
    return el("li", { class: "suggestion-row", dataset: { id: s.id, candidate: s.candidate_id } },
      el("label", { class: "pick" },
        el("input", { type: "checkbox", name: "pick", value: s.id, "aria-label": t("shortlist_select", { name }), onchange: updateButton })),
      el("div", { class: "suggestion-body" },
        el("div", { class: "item-head" },
          el("a", { href: `/organizations/${encodeURIComponent(s.candidate_id)}`, class: "candidate-name" }, name),
          cand ? sectorBadge(cand.sector) : null,
          cand?.area ? el("span", { class: "muted small" }, cand.area) : null,
          el("span", { class: "muted small score" }, `${t("score")} ${formatNumber(s.score, 2)}`),
          queued ? el("span", { class: "tag tag-queued" }, t("suggest_in_queue")) : null,
          decided ? el("span", { class: "tag tag-decided" }, t("suggest_decided", { status: t(`status_${decided}`) })) : null),
        el("div", { class: "explanation reason" }, `${t("why")}: ${localised(s.explanation)}`)));
  }

  async function show(event) {
    event?.preventDefault();
    showAlert(null);
    outcome.hidden = true;
    const needId = needSelect.value || null;
    const query = readQuery(form);
    results.replaceChildren(el("p", { class: "muted" }, t("loading")));
    try {
      const preview = await endpoints.previewSuggestions(org.id, needId, query);
      asked = { needId, query };
      results.replaceChildren(preview.items.length
        ? el("div", {},
          el("p", { class: "muted", id: "suggest-count" }, t("suggest_count", { n: preview.items.length })),
          el("ol", { class: "plain suggestions" }, preview.items.map((s) => row(s, preview))))
        : el("p", { class: "muted", id: "suggest-empty" }, t("suggest_none_found")));
      actions.hidden = !preview.items.length;
      updateButton();
      results.dataset.ready = "true";
    } catch (err) {
      results.replaceChildren();
      showAlert(explainError(err));
    }
  }

  shortlistButton.addEventListener("click", async () => {
    const ids = [...results.querySelectorAll("input[name=pick]:checked")].map((c) => c.value);
    if (!ids.length || !asked) return;
    shortlistButton.disabled = true;
    try {
      const done = await endpoints.shortlist(org.id, asked.needId, asked.query, ids);
      const merged = Object.keys(done.merged).length;
      const added = ids.length - merged - Object.keys(done.decided).length;
      outcome.replaceChildren(
        t("shortlist_done", { n: added, m: merged }), " ",
        el("a", { href: `/review?org_id=${encodeURIComponent(org.id)}`, id: "open-review" }, t("shortlist_open_queue")));
      outcome.hidden = false;
      toast(t("shortlist_done", { n: added, m: merged }));
      for (const id of ids) {
        const li = results.querySelector(`li[data-id="${CSS.escape(id)}"]`);
        const box = li?.querySelector("input[name=pick]");
        if (box) box.checked = false;
        if (li && !li.querySelector(".tag-queued") && !done.decided[id]) {
          li.querySelector(".item-head").append(el("span", { class: "tag tag-queued" }, t("suggest_in_queue")));
        }
      }
    } catch (err) {
      showAlert(explainError(err));
    }
    updateButton();
  });

  form.addEventListener("submit", show);
  return el("div", { class: "suggest-panel" },
    el("p", { class: "muted small" }, t("suggest_intro")), form, results, actions);
}
