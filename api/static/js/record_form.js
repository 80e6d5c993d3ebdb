// The form registering or editing an organization, a need or an offer: the district chosen
// from the registered ones (a coordinator may register a new one here, on purpose), the
// enumerations as selects labelled in the page's language, the API's 422 shown under each
// field, an edit sent with the version it was read at (a change made meanwhile is refused,
// never overwritten), and delete / restore.
import {
  ApiError, currentUser, describeDetail, el, explainError, labels, pageData, showAlert,
  startPage, t,
} from "./common.js";
import { endpoints } from "./endpoints.js";

const path = pageData.recordPath;
const box = document.getElementById("record-box");
const statusLine = document.getElementById("record-status");
const heading = document.getElementById("record-heading");

const CONTACT = ["contact_name", "contact_email", "contact_phone"].map((name) => ({ name, type: "text", max: 300 }));
const LISTING = [
  { name: "org_id", type: "org", required: true },
  { name: "title", type: "text", required: true, max: 300 },
  { name: "description", type: "textarea" },
  { name: "fields", type: "multi", labels: "field" },
  { name: "resource_kinds", type: "multi", labels: "resource_kind" },
  { name: "skills", type: "list" },
  { name: "area", type: "district" },
];
const FORMS = {
  organizations: [
    { name: "name", type: "text", required: true, max: 300 },
    { name: "name_kana", type: "text" },
    { name: "sector", type: "enum", labels: "sector", required: true },
    { name: "subtype", type: "text" },
    { name: "area", type: "district" },
    { name: "fields", type: "multi", labels: "field" },
    { name: "description", type: "textarea" },
    { name: "corporate_number", type: "text" },
    { name: "founded", type: "date" },
    { name: "website", type: "text" },
    ...CONTACT,
  ],
  needs: [
    ...LISTING,
    { name: "starts", type: "date" },
    { name: "ends", type: "date" },
    { name: "status", type: "enum", labels: "need_status", required: true },
    { name: "visibility", type: "enum", labels: "visibility", required: true },
  ],
  offers: [
    ...LISTING,
    { name: "capacity", type: "text" },
    { name: "availability", type: "text" },
  ],
};
const FIELD_LABELS = {
  name: "rec_f_name", name_kana: "rec_f_name_kana", sector: "rec_f_sector", subtype: "rec_f_subtype",
  area: "rec_f_area", fields: "rec_f_fields", description: "rec_f_description",
  corporate_number: "rec_f_corporate_number", founded: "rec_f_founded", website: "rec_f_website",
  contact_name: "rec_f_contact_name", contact_email: "rec_f_contact_email", contact_phone: "rec_f_contact_phone",
  org_id: "rec_f_org_id", title: "rec_f_title", resource_kinds: "rec_f_resource_kinds", skills: "rec_f_skills",
  starts: "rec_f_starts", ends: "rec_f_ends", status: "rec_f_status", visibility: "rec_f_visibility",
  capacity: "rec_f_capacity", availability: "rec_f_availability",
};
const HEADINGS = {
  organizations: ["rec_new_organization", "rec_edit_organization"],
  needs: ["rec_new_need", "rec_edit_need"],
  offers: ["rec_new_offer", "rec_edit_offer"],
};
const specs = FORMS[path];
const specOf = new Map(specs.map((s) => [s.name, s]));

let districts = [];
let organizations = [];
let record = null; // the stored record being edited (null: a new one)

function coordinating() {
  return ["coordinator", "admin"].includes(currentUser?.role);
}

function say(message) {
  statusLine.textContent = message;
  statusLine.hidden = !message;
}

function control(spec, value) {
  const id = `rec-${spec.name}`;
  const common = { id, name: spec.name, "aria-describedby": `${id}-error` };
  if (spec.type === "textarea") return el("textarea", { ...common, rows: 4 }, value || "");
  if (spec.type === "enum") {
    const select = el("select", common, el("option", { value: "" }, t("rec_choose")),
      Object.entries(labels[spec.labels]).map(([v, text]) => el("option", { value: v }, text)));
    select.value = value || "";
    return select;
  }
  if (spec.type === "org") {
    const select = el("select", common, coordinating() ? el("option", { value: "" }, t("rec_choose")) : null,
      organizations.map((o) => el("option", { value: o.id }, o.name)));
    select.value = value || (coordinating() ? "" : organizations[0]?.id || "");
    return select;
  }
  if (spec.type === "district") return districtSelect(common, value);
  if (spec.type === "multi") {
    const chosen = new Set(value || []);
    return el("div", { id, class: "checks", role: "group", "aria-describedby": `${id}-error` },
      Object.entries(labels[spec.labels]).map(([v, text]) => el("label", { class: "check" },
        el("input", { type: "checkbox", name: spec.name, value: v, checked: chosen.has(v) }), ` ${text}`)));
  }
  if (spec.type === "list") {
    return el("input", { ...common, type: "text", value: (value || []).join("、"), placeholder: t("rec_skills_help") });
  }
  const input = el("input", { ...common, type: spec.type === "date" ? "date" : "text" });
  input.value = value || "";
  return input;
}

function districtSelect(common, value) {
  const select = el("select", common, el("option", { value: "" }, t("rec_no_district")),
    districts.map((d) => el("option", { value: d.id }, d.name)));
  if (value && !districts.some((d) => d.id === value)) {
    // stored before districts were registered: kept as it is until someone changes it
    select.append(el("option", { value }, t("rec_district_unregistered", { name: value })));
  }
  select.value = value || "";
  return select;
}

/** A coordinator's inline registration of a district that is not in the list. */
function districtRegistration() {
  if (!coordinating()) return null;
  const name = el("input", { type: "text", id: "rec-new-district", maxlength: 100, "aria-label": t("rec_district_name") });
  const error = el("p", { class: "field-error error", id: "rec-new-district-error", hidden: true });
  const part = el("div", { class: "district-inline", hidden: true }, name,
    el("button", {
      type: "button", class: "btn", id: "rec-new-district-save",
      onclick: async () => {
        error.hidden = true;
        try {
          const area = await endpoints.registerDistrict(name.value.trim());
          districts = [...districts, area];
          const select = document.getElementById("rec-area");
          select.append(el("option", { value: area.id }, area.name));
          select.value = area.id;
          part.hidden = true;
          say(t("rec_district_registered", { name: area.name }));
        } catch (err) {
          error.textContent = err instanceof ApiError && Array.isArray(err.detail)
            ? t("rec_err_required") : explainError(err);
          error.hidden = false;
        }
      },
    }, t("rec_district_register")), error);
  return el("div", {},
    el("button", { type: "button", class: "btn small", id: "rec-district-other", onclick: () => { part.hidden = false; name.focus(); } },
      t("rec_district_other")),
    part);
}

function fieldBlock(spec, value) {
  const labelKey = FIELD_LABELS[spec.name];
  const multi = spec.type === "multi";
  return el("div", { class: `field field-${spec.type}`, dataset: { field: spec.name } },
    multi ? el("span", { class: "field-label" }, t(labelKey)) : el("label", { for: `rec-${spec.name}` }, t(labelKey), spec.required ? " *" : ""),
    control(spec, value),
    spec.type === "district" ? districtRegistration() : null,
    el("p", { class: "field-error error", id: `rec-${spec.name}-error`, hidden: true }));
}

/** The form's values as the API takes them (empty optional values as null). */
function values(form) {
  const out = {};
  for (const spec of specs) {
    if (spec.type === "multi") {
      out[spec.name] = [...form.querySelectorAll(`input[name="${spec.name}"]:checked`)].map((c) => c.value);
      continue;
    }
    const raw = String(form.elements[spec.name].value ?? "").trim();
    if (spec.type === "list") out[spec.name] = raw.split(/[,、]/).map((s) => s.trim()).filter(Boolean);
    else if (spec.type === "textarea") out[spec.name] = raw;
    else if (raw) out[spec.name] = raw;
    else out[spec.name] = spec.type === "text" && spec.required ? "" : null;
  }
  return out;
}

function same(a, b) {
  const norm = (v) => (v === undefined || v === "" ? null : Array.isArray(v) ? [...v].sort() : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** What to send: every filled-in value for a new record, only what changed for an edit. */
function body(form) {
  const all = values(form);
  const out = {};
  for (const [k, v] of Object.entries(all)) {
    if (record ? !same(v, record[k]) : v !== null && !(Array.isArray(v) && !v.length)) out[k] = v;
  }
  return out;
}

/** One error of a 422 answer in the page's language. */
function messageFor(err, spec) {
  const type = String(err.type || "");
  const msg = String(err.msg || "").replace(/^Value error, /, "");
  if (type === "missing" || type === "string_too_short") return t("rec_err_required");
  if (type === "string_too_long") return t("rec_err_too_long", { max: spec?.max ?? "" });
  if (type === "string_pattern_mismatch") {
    return spec?.name === "corporate_number" ? t("rec_err_corporate_number") : t("rec_err_invalid");
  }
  if (type.startsWith("date")) return t("rec_err_date");
  if (msg.includes("ends must not be before starts")) return t("rec_err_ends_before_starts");
  if (msg.includes(" / ")) return describeDetail(msg); // our own messages carry both languages
  if (spec && ["enum", "org"].includes(spec.type)) return t("rec_err_choice");
  return t("rec_err_invalid");
}

function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const f of form.querySelectorAll(".field.invalid")) f.classList.remove("invalid");
  showAlert(null);
}

function showErrors(form, detail) {
  const loose = [];
  for (const err of detail) {
    const loc = (err.loc || []).filter((x) => x !== "body");
    let name = loc.find((x) => specOf.has(x));
    if (!name && String(err.msg || "").includes("ends must not be before starts")) name = "ends";
    const target = name && document.getElementById(`rec-${name}-error`);
    const text = messageFor(err, specOf.get(name));
    if (!target) {
      loose.push(text === t("rec_err_invalid") ? describeDetail(err.msg) : text);
      continue;
    }
    target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
    target.hidden = false;
    target.closest(".field").classList.add("invalid");
  }
  showAlert([t("rec_errors_summary"), ...loose].join(" "));
  form.querySelector(".field.invalid select, .field.invalid input, .field.invalid textarea")?.focus();
}

function recordName(rec) {
  return rec.name || rec.title || "";
}

function links(rec) {
  const orgId = path === "organizations" ? rec.id : rec.org_id;
  return el("p", { class: "record-links" },
    el("a", { href: `/organizations/${encodeURIComponent(orgId)}`, id: "rec-open-org" }, t("rec_open_org")));
}

async function stale(err) {
  if (!(err instanceof ApiError) || err.status !== 409 || !record) return false;
  const now = await endpoints.record(path, record.id).catch(() => null);
  if (now && now.version === record.version) return false; // another conflict (e.g. a taken number)
  showAlert(t("rec_stale"));
  statusLine.replaceChildren(el("button", {
    type: "button", class: "btn", id: "rec-reload", onclick: () => location.reload(),
  }, t("rec_reload")));
  statusLine.hidden = false;
  return true;
}

function deleteButton() {
  const button = el("button", { type: "button", class: "btn btn-reject", id: "rec-delete", "data-action": "delete" }, t("rec_delete"));
  button.addEventListener("click", async () => {
    if (button.dataset.action === "delete") { // first click: ask once more
      button.dataset.action = "confirm-delete";
      button.textContent = t("rec_delete_confirm");
      return;
    }
    button.disabled = true;
    try {
      const gone = await endpoints.deleteRecord(path, record.id, record.version);
      drawDeleted(gone);
    } catch (err) {
      button.disabled = false;
      if (!(await stale(err))) showAlert(explainError(err));
    }
  });
  return button;
}

function drawDeleted(gone) {
  record = null;
  showAlert(null);
  say(t("rec_deleted", { name: recordName(gone) }));
  box.replaceChildren(el("section", { class: "card", id: "rec-deleted-box" },
    el("p", {}, t("rec_is_deleted")),
    coordinating()
      ? el("button", {
        type: "button", class: "btn btn-primary", id: "rec-restore",
        onclick: async (event) => {
          event.target.disabled = true;
          try {
            const back = await endpoints.restoreRecord(path, gone.id);
            draw(back);
            say(t("rec_restored", { name: recordName(back) }));
          } catch (err) {
            event.target.disabled = false;
            showAlert(explainError(err));
          }
        },
      }, t("rec_restore"))
      : el("a", { href: "/records" }, t("rec_back"))));
  box.dataset.state = "deleted";
}

function draw(rec) {
  record = rec;
  const [newKey, editKey] = HEADINGS[path];
  heading.textContent = t(rec ? editKey : newKey);
  document.title = `${heading.textContent} · ${t("app_name")}`;
  const preset = new URLSearchParams(location.search).get("org");
  const form = el("form", { class: "card record-form", id: "record-form", novalidate: true },
    specs.map((spec) => fieldBlock(spec, rec ? rec[spec.name] : spec.name === "org_id" ? preset : defaults(spec))),
    el("div", { class: "buttons" },
      el("button", { type: "submit", class: "btn btn-primary", id: "rec-save" }, t(rec ? "rec_save" : "rec_save_new")),
      rec && (coordinating() || path !== "organizations") ? deleteButton() : null));
  form.addEventListener("submit", (event) => submit(event, form));
  box.replaceChildren(form, rec ? links(rec) : "");
  box.dataset.state = rec ? "edit" : "new";
  box.dataset.ready = "true";
}

function defaults(spec) {
  return { status: "open", visibility: "public" }[spec.name] ?? null;
}

async function submit(event, form) {
  event.preventDefault();
  clearErrors(form);
  say("");
  const save = form.querySelector("#rec-save");
  save.disabled = true;
  try {
    const sent = body(form);
    const stored = record
      ? await endpoints.updateRecord(path, record.id, record.version, sent)
      : await endpoints.createRecord(path, sent);
    const created = !record;
    if (created) history.replaceState(null, "", `/records/${path}/${encodeURIComponent(stored.id)}/edit${location.search}`);
    draw(stored);
    say(t(created ? "rec_saved_new" : "rec_saved", { name: recordName(stored) }));
  } catch (err) {
    save.disabled = false;
    if (err instanceof ApiError && err.status === 422 && Array.isArray(err.detail)) showErrors(form, err.detail);
    else if (!(await stale(err))) showAlert(explainError(err));
  }
}

async function start(user) {
  const [areas, rec] = await Promise.all([
    endpoints.districts(),
    pageData.recordId ? endpoints.record(path, pageData.recordId) : null,
  ]);
  districts = areas;
  if (path !== "organizations") {
    organizations = user.role === "business"
      ? [await endpoints.organization(user.org_id)]
      : (await endpoints.organizations()).sort((a, b) => a.name.localeCompare(b.name, "ja"));
  }
  draw(rec);
}

startPage(start, ["coordinator", "admin", "business"]);
