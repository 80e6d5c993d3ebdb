// The form for a collaboration made from scratch (not from a suggestion): title, description,
// form and intensity, status, dates, partners with their roles, and the need it answers.
// Each field's error is shown under it in the page's language, whether found here first or
// answered by the API (a 422 names the field in `loc`).
import { ApiError, el, explainError, labels, showAlert, t } from "./common.js";
import { endpoints } from "./endpoints.js";

const ROLES = ["lead", "partner"];
const STATUSES = ["planned", "active", "ended"];

function field(name, labelText, control, wide = false) {
  return el("div", { class: `field${wide ? " wide" : ""}`, dataset: { field: name } },
    el("label", { for: control.id }, labelText), control,
    el("p", { class: "error field-error", dataset: { for: name }, hidden: true }));
}

function options(kind, values, selectedValue) {
  return values.map((v) => el("option", { value: v, selected: v === selectedValue }, labels[kind][v] || v));
}

/**
 * A new-collaboration form. `organizations` is every organization ({id, name, area}); on
 * success `onCreated(collab)` gets the stored collaboration; `leadId` (optional) fills in the
 * leading partner.
 */
export function collaborationForm(organizations, onCreated, leadId = "") {
  // a name picks its organization; a name two organizations share gets its district added
  const counts = new Map();
  for (const o of organizations) counts.set(o.name, (counts.get(o.name) || 0) + 1);
  const byName = new Map();
  const display = new Map();
  for (const o of organizations) {
    const shownName = counts.get(o.name) > 1 && o.area ? `${o.name}（${o.area}）` : o.name;
    byName.set(shownName, o.id);
    display.set(o.id, shownName);
  }
  const datalist = el("datalist", { id: "cnew-org-list" },
    [...byName.keys()].sort((a, b) => a.localeCompare(b, "ja")).map((n) => el("option", { value: n })));
  const today = new Date().toISOString().slice(0, 10);
  const partners = el("div", { class: "cnew-partners", id: "cnew-partners" });
  const needSelect = el("select", { id: "cnew-need", name: "need" }, el("option", { value: "" }, t("cnew_no_need")));

  let rowCount = 0;
  function partnerRow(role = "partner") {
    rowCount += 1;
    const n = rowCount;
    const row = el("div", { class: "cnew-partner", dataset: { row: String(n) } },
      el("div", { class: "field" },
        el("label", { for: `cnew-partner-${n}` }, t("cnew_partner")),
        el("input", {
          type: "text", id: `cnew-partner-${n}`, name: "partner", list: "cnew-org-list",
          placeholder: t("cnew_partner_placeholder"), autocomplete: "off", onchange: refreshNeeds,
        })),
      el("div", { class: "field" },
        el("label", { for: `cnew-role-${n}` }, t("cnew_role")),
        el("select", { id: `cnew-role-${n}`, name: "role" },
          ROLES.map((r) => el("option", { value: r, selected: r === role }, t(`prole_${r}`))))),
      el("div", { class: "field" },
        el("label", { for: `cnew-role-text-${n}` }, t("cnew_role_other")),
        el("input", { type: "text", id: `cnew-role-text-${n}`, name: "role_text", maxlength: 100 })),
      el("button", {
        type: "button", class: "btn", "data-action": "remove-partner",
        onclick: () => { row.remove(); refreshNeeds(); },
      }, t("cnew_remove_partner")),
      el("p", { class: "error field-error", hidden: true }));
    return row;
  }
  partners.append(partnerRow("lead"), partnerRow());
  if (display.has(leadId)) partners.querySelector('input[name="partner"]').value = display.get(leadId);

  let needsFor = "";
  async function refreshNeeds() {
    const ids = [...new Set(partnerInputs().map((i) => byName.get(i.value.trim())).filter(Boolean))];
    const key = ids.join(" ");
    if (key === needsFor) return;
    needsFor = key;
    const lists = await Promise.all(ids.map((id) => endpoints.needsOf(id).catch(() => [])));
    if (needsFor !== key) return; // a later change won
    // the choice as it is now: one made while the needs were loading is kept
    const chosen = needSelect.value;
    needSelect.replaceChildren(el("option", { value: "" }, t("cnew_no_need")),
      ...lists.flat().map((need) => el("option", { value: need.id, selected: need.id === chosen },
        `${need.title}（${display.get(need.org_id) || ""}）`)));
  }

  const form = el("form", { class: "card cnew-form", id: "cnew-form", novalidate: true },
    datalist,
    field("title", t("cnew_field_title"), el("input", { type: "text", id: "cnew-title", name: "title", maxlength: 300, required: true }), true),
    field("description", t("cnew_field_description"), el("textarea", { id: "cnew-description", name: "description", rows: 3 }), true),
    field("form", t("cnew_field_form"), el("select", { id: "cnew-form-kind", name: "form" },
      options("form", Object.keys(labels.form), "project_cooperation"))),
    field("intensity", t("cnew_field_intensity"), el("select", { id: "cnew-intensity", name: "intensity" },
      options("intensity", Object.keys(labels.intensity), "cooperation"))),
    field("status", t("cnew_field_status"), el("select", { id: "cnew-status", name: "status" },
      options("collaboration_status", STATUSES, "planned"))),
    field("starts", t("cnew_field_starts"), el("input", { type: "date", id: "cnew-starts", name: "starts", value: today, required: true })),
    field("ends", t("cnew_field_ends"), el("input", { type: "date", id: "cnew-ends", name: "ends" })),
    el("fieldset", { class: "wide", dataset: { field: "participants" } },
      el("legend", {}, t("cnew_partners")),
      partners,
      el("button", {
        type: "button", class: "btn", id: "cnew-add-partner",
        onclick: () => partners.append(partnerRow()),
      }, t("cnew_add_partner")),
      el("p", { class: "error field-error", dataset: { for: "participants" }, hidden: true })),
    field("need_ids", t("cnew_field_need"), needSelect, true),
    el("div", { class: "buttons wide" },
      el("button", { type: "submit", class: "btn btn-primary", id: "cnew-save" }, t("cnew_save"))));

  function partnerInputs() {
    return [...partners.querySelectorAll('input[name="partner"]')];
  }

  function clearErrors() {
    for (const box of form.querySelectorAll(".field-error")) {
      box.hidden = true;
      box.textContent = "";
    }
    for (const node of form.querySelectorAll(".field-invalid")) node.classList.remove("field-invalid");
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  function fieldError(name, message) {
    const wrap = form.querySelector(`[data-field="${name}"]`);
    const box = form.querySelector(`.field-error[data-for="${name}"]`);
    if (!wrap || !box) return false;
    wrap.classList.add("field-invalid");
    wrap.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
    box.textContent = message;
    box.hidden = false;
    return true;
  }

  function rowError(row, message) {
    const input = row.querySelector('input[name="partner"]');
    input.classList.add("field-invalid");
    input.setAttribute("aria-invalid", "true");
    const box = row.querySelector(".field-error");
    box.textContent = message;
    box.hidden = false;
  }

  /** The collaboration to send, or null after showing what is wrong under each field. */
  function collected() {
    clearErrors();
    let ok = true;
    const fail = (name, message) => {
      fieldError(name, message);
      ok = false;
    };
    const data = new FormData(form);
    const value = (k) => String(data.get(k) || "").trim();
    const body = {
      title: value("title"),
      description: value("description"),
      form: value("form"),
      intensity: value("intensity"),
      status: value("status"),
      starts: value("starts"),
      participants: [],
      need_ids: value("need") ? [value("need")] : [],
    };
    if (value("ends")) body.ends = value("ends");
    if (!body.title || body.title.length > 300) fail("title", t("cnew_err_title"));
    if (!body.starts) fail("starts", t("cnew_err_starts"));
    if (body.starts && body.ends && body.ends < body.starts) fail("ends", t("cnew_err_ends"));
    const seen = new Set();
    let named = 0;
    for (const row of partners.querySelectorAll(".cnew-partner")) {
      const name = row.querySelector('input[name="partner"]').value.trim();
      if (!name) continue;
      named += 1;
      const id = byName.get(name);
      if (!id) {
        rowError(row, t("cnew_err_partner_unknown", { name }));
        ok = false;
      } else if (seen.has(id)) {
        rowError(row, t("cnew_err_partner_twice"));
        ok = false;
      } else {
        seen.add(id);
        const own = row.querySelector('input[name="role_text"]').value.trim();
        body.participants.push({ org_id: id, role: own || row.querySelector('select[name="role"]').value });
      }
    }
    if (!named) fail("participants", t("cnew_err_partners"));
    return ok ? body : null;
  }

  /** A 422 answer's errors under their fields (in this page's words); true if all were placed. */
  function showServerErrors(err) {
    if (!(err instanceof ApiError) || err.status !== 422 || !Array.isArray(err.detail)) return false;
    let placed = true;
    for (const d of err.detail) {
      const loc = (d.loc || []).filter((x) => x !== "body");
      const name = loc[0] || (/ends/.test(d.msg) ? "ends" : /twice/.test(d.msg) ? "participants" : "");
      const key = { participants: "cnew_err_partners", need_ids: "cnew_err_need" }[name] || `cnew_err_${name}`;
      const text = /twice/.test(d.msg) ? t("cnew_err_partner_twice") : t(key);
      placed = fieldError(name, text) && placed;
    }
    return placed;
  }

  let askedToCheck = false; // the alert shown is "check the marked fields"
  // a field's error goes once the field is changed
  form.addEventListener("input", (event) => {
    const wrap = event.target.closest(".cnew-partner, [data-field]");
    if (!wrap) return;
    wrap.classList.remove("field-invalid");
    for (const node of wrap.querySelectorAll(".field-invalid")) node.classList.remove("field-invalid");
    for (const node of wrap.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    for (const box of wrap.querySelectorAll(".field-error")) box.hidden = true;
    // the "check the marked fields" alert goes with the last marked field
    if (askedToCheck && !form.querySelector(".field-invalid, [aria-invalid]")) {
      askedToCheck = false;
      showAlert(null);
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showAlert(null);
    askedToCheck = false;
    const body = collected();
    if (!body) {
      showAlert(t("cnew_err_check"));
      askedToCheck = true;
      return;
    }
    const button = form.querySelector("#cnew-save");
    button.disabled = true;
    try {
      onCreated(await endpoints.createCollaboration(body));
    } catch (err) {
      if (!showServerErrors(err)) showAlert(explainError(err));
      else {
        showAlert(t("cnew_err_check"));
        askedToCheck = true;
      }
    } finally {
      button.disabled = false;
    }
  });
  if (display.has(leadId)) refreshNeeds();
  return form;
}
