// An organization's collaborations: partners and roles, each partner's scores, and the steps
// after a collaboration is made: a coordinator ends it, then each partner evaluates it with
// Saku's five items plus trust and value (a business only as itself).
import {
  bracket, el, explainError, formatDate, formatNumber, label, showAlert, t, toast,
} from "./common.js";
import { endpoints } from "./endpoints.js";

const ITEMS = ["targets", "form", "strengths", "selection", "relationship"];
const OPTIONAL = ["trust", "value"];
// the roles drafting a collaboration gives (others are the text a person typed)
const ROLES = { lead: "prole_lead", partner: "prole_partner" };

/** Whether a collaboration may be evaluated (as workflows.collaborations.has_ended). */
function hasEnded(c) {
  if (c.status === "ended") return true;
  const today = new Date().toISOString().slice(0, 10);
  return c.status === "active" && Boolean(c.ends) && c.ends < today;
}

function mean(e) {
  return ITEMS.reduce((sum, k) => sum + e[k], 0) / ITEMS.length;
}

function scoreSelect(name, required) {
  return el("select", { name, id: `eval-${name}`, required },
    el("option", { value: "" }, required ? "–" : t("eval_no_answer")),
    [1, 2, 3, 4, 5].map((n) => el("option", { value: String(n) }, String(n))));
}

function evaluationForm(c, orgId, orgName, onSaved) {
  const form = el("form", { class: "evaluation-form", dataset: { org: orgId } },
    el("h3", {}, t("eval_title", { name: orgName })),
    el("div", { class: "eval-grid" },
      [...ITEMS, ...OPTIONAL].map((k) => el("label", {}, t(`eval_${k}`), scoreSelect(k, ITEMS.includes(k))))),
    el("label", { class: "eval-comment" }, t("eval_comment"), el("textarea", { name: "comment", rows: 2 })),
    el("div", { class: "buttons" },
      el("button", { type: "submit", class: "btn btn-primary", "data-action": "save-evaluation" }, t("eval_save")),
      el("button", { type: "button", class: "btn", onclick: () => form.remove() }, t("cancel"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { org_id: orgId, comment: String(data.get("comment") || "").trim() };
    for (const k of [...ITEMS, ...OPTIONAL]) {
      const v = String(data.get(k) || "");
      if (v) body[k] = Number(v);
    }
    form.querySelector("button[type=submit]").disabled = true;
    try {
      const stored = await endpoints.evaluateCollaboration(c.id, body);
      toast(t("eval_saved"));
      onSaved(stored);
    } catch (err) {
      form.querySelector("button[type=submit]").disabled = false;
      showAlert(explainError(err));
    }
  });
  return form;
}

/** One collaboration as a list item; `names` maps org ids to names; `user` is who is signed
 * in. The item redraws itself after an action. */
export function collaborationItem(c, names, user) {
  const coordinating = ["coordinator", "admin"].includes(user?.role);
  const node = el("li", { class: "collaboration", id: `collab-${c.id}`, dataset: { id: c.id, status: c.status } });
  const draw = (collab) => {
    node.dataset.status = collab.status;
    const evaluations = new Map((collab.evaluations || []).map((e) => [e.org_id, e]));
    const ended = hasEnded(collab);
    const actions = el("div", { class: "buttons" });
    if (coordinating && !["ended", "cancelled"].includes(collab.status)) {
      actions.append(el("button", {
        type: "button", class: "btn", "data-action": "end",
        onclick: async (event) => {
          event.target.disabled = true;
          try {
            const stored = await endpoints.endCollaboration(collab.id);
            toast(t("collab_ended"));
            draw(stored);
          } catch (err) {
            event.target.disabled = false;
            showAlert(explainError(err));
          }
        },
      }, t("collab_end")));
    }
    const partners = el("ul", { class: "plain partners" }, (collab.participants || []).map((p) => {
      const name = names.get(p.org_id) || t("unknown");
      const e = evaluations.get(p.org_id);
      const mayEvaluate = ended && (coordinating || (user?.role === "business" && user.org_id === p.org_id));
      return el("li", { class: "partner", dataset: { org: p.org_id } },
        el("a", { href: `/organizations/${encodeURIComponent(p.org_id)}` }, name),
        p.role ? el("span", { class: "muted small" }, bracket(ROLES[p.role] ? t(ROLES[p.role]) : p.role)) : null, " ",
        e
          ? el("span", { class: "eval-summary" }, t("eval_summary", {
            mean: formatNumber(mean(e), 1),
            trust: e.trust ?? "–",
            value: e.value ?? "–",
          }))
          : el("span", { class: "muted small eval-summary" }, ended ? t("eval_not_yet") : ""),
        mayEvaluate
          ? el("button", {
            type: "button", class: "btn", "data-action": "evaluate",
            onclick: () => {
              node.querySelector(".evaluation-form")?.remove();
              node.append(evaluationForm(collab, p.org_id, name, draw));
            },
          }, t(e ? "eval_edit" : "eval_open"))
          : null);
    }));
    node.replaceChildren(
      el("div", { class: "item-head" },
        el("strong", { class: "collab-title" }, collab.title),
        el("span", { class: "tag" }, label("form", collab.form)),
        el("span", { class: "tag collab-status" }, label("collaboration_status", collab.status)),
        el("span", { class: "muted small" }, ` ${formatDate(collab.starts)}${collab.ends ? ` – ${formatDate(collab.ends)}` : ""}`)),
      el("div", { class: "small muted" }, t("collab_partners")),
      partners,
      ...(actions.childElementCount ? [actions] : []),
    );
  };
  draw(c);
  return node;
}
