// Staff's publication page: publish or unpublish a case, record each partner's consent, set an
// organization's disclosure level, define the plan's indicators (api/routes/publication.py).
import { ApiError, api, describeDetail, el, explainError, formatDate, label, pageData, showAlert, startPage, t, toast } from "./common.js";

const LEVELS = ["hidden", "name", "profile", "contact"];

/** A message under a row or a form: the API's detail in the page's language. */
function errorText(err) {
  return err instanceof ApiError && err.status >= 400 && err.status < 500 && ![401, 403].includes(err.status)
    ? describeDetail(err.detail) : explainError(err);
}

// ---- Cases ----

function caseRow(c) {
  const pub = c.publication;
  const consent = new Set(pub.consents);
  const message = el("p", { class: "row-error", hidden: true });
  const boxes = c.partners.map((p) => el("input", { type: "checkbox", value: p.id, checked: consent.has(p.id) }));
  const consentsNow = () => boxes.filter((b) => b.checked).map((b) => b.value);
  const act = async (body) => {
    message.hidden = true;
    try {
      const saved = await api(`publication/collaborations/${encodeURIComponent(c.collaboration_id)}`, { method: "PUT", body });
      row.replaceWith(caseRow({ ...c, publication: saved }));
      toast(t("staff_pub_saved"));
    } catch (err) {
      message.textContent = errorText(err);
      message.hidden = false;
    }
  };
  const row = el("tr", { dataset: { collaboration: c.collaboration_id, published: String(pub.published) } },
    el("th", { scope: "row" }, c.title, el("div", { class: "muted small" }, formatDate(c.ends))),
    el("td", { class: "consents" }, c.partners.map((p, i) =>
      el("label", {}, boxes[i], " ", p.name, " ",
        el("span", { class: "muted small" }, consent.has(p.id) ? t("staff_pub_consented") : t("staff_pub_not_consented"))))),
    el("td", { class: "status" }, pub.published ? t("staff_pub_published") : t("staff_pub_unpublished")),
    el("td", {},
      el("button", { type: "button", class: "btn save-consent", onclick: () => act({ consents: consentsNow() }) }, t("staff_pub_save_consent")),
      " ",
      pub.published
        ? el("button", { type: "button", class: "btn unpublish", onclick: () => act({ published: false }) }, t("staff_pub_unpublish"))
        : el("button", { type: "button", class: "btn btn-primary publish", onclick: () => act({ consents: consentsNow(), published: true }) }, t("staff_pub_publish")),
      message));
  return row;
}

async function loadCases() {
  const cases = await api("publication/collaborations");
  const box = document.getElementById("cases");
  if (!cases.length) {
    box.replaceChildren(el("p", { class: "muted" }, t("staff_pub_no_cases")));
    return;
  }
  box.replaceChildren(el("table", { class: "data", id: "case-table" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("staff_pub_case")), el("th", { scope: "col" }, t("staff_pub_consent")),
      el("th", { scope: "col" }, t("staff_pub_status")), el("th", { scope: "col" }, ""))),
    el("tbody", {}, cases.map(caseRow))));
  document.getElementById("case-filter").addEventListener("input", (e) => {
    const q = e.target.value.trim();
    cases.forEach((c) => {
      const row = box.querySelector(`tr[data-collaboration="${CSS.escape(c.collaboration_id)}"]`);
      if (row) row.hidden = Boolean(q) && !c.title.includes(q) && !c.partners.some((p) => p.name.includes(q));
    });
  });
}

// ---- Disclosure levels ----

function profileRow(p) {
  const select = el("select", { "aria-label": `${t("staff_pub_level")}: ${p.name}` },
    LEVELS.map((v) => el("option", { value: v, selected: v === p.level }, t(`staff_pub_level_${v}`))));
  const message = el("p", { class: "row-error", hidden: true });
  const row = el("tr", { dataset: { org: p.org_id, level: p.level } },
    el("th", { scope: "row" }, p.name), el("td", {}, label("sector", p.sector)),
    el("td", {}, select, " ",
      el("button", {
        type: "button", class: "btn set-level", onclick: async () => {
          message.hidden = true;
          try {
            const saved = await api(`publication/organizations/${encodeURIComponent(p.org_id)}`, { method: "PUT", body: { level: select.value } });
            row.dataset.level = saved.level;
            toast(t("staff_pub_saved"));
          } catch (err) {
            message.textContent = errorText(err);
            message.hidden = false;
          }
        },
      }, t("staff_pub_set_level")), message));
  return row;
}

async function loadProfiles() {
  const profiles = await api("publication/organizations");
  const rows = profiles.map(profileRow);
  document.getElementById("profiles").replaceChildren(el("table", { class: "data", id: "profile-table" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("staff_pub_org")), el("th", { scope: "col" }, t("sector")),
      el("th", { scope: "col" }, t("staff_pub_level")))),
    el("tbody", {}, rows)));
  document.getElementById("org-filter").addEventListener("input", (e) => {
    const q = e.target.value.trim();
    profiles.forEach((p, i) => (rows[i].hidden = Boolean(q) && !p.name.includes(q)));
  });
}

// ---- Indicators ----

const form = () => document.getElementById("indicator-form");
const field = (name) => document.getElementById(`ind-${name}`);

function setFieldError(name, message) {
  const input = field(name);
  const slot = input.parentElement.querySelector(".field-error");
  slot.textContent = message || "";
  slot.hidden = !message;
  input.setAttribute("aria-invalid", message ? "true" : "false");
}

function clearErrors() {
  for (const input of form().querySelectorAll("input, select")) setFieldError(input.id.slice(4), "");
  document.getElementById("ind-error").hidden = true;
}

/** The form's indicator, or null with every wrong field marked under it. */
function readForm(existing) {
  clearErrors();
  const errors = {};
  const text = (n) => field(n).value.trim();
  const year = (n) => {
    const v = text(n);
    if (!v) errors[n] = t("staff_pub_required");
    else if (!/^\d{4}$/.test(v) || +v < 1900 || +v > 2200) errors[n] = t("staff_pub_bad_year");
    return +v;
  };
  const number = (n, required) => {
    const v = text(n).replace(/,/g, "");
    if (!v) {
      if (required) errors[n] = t("staff_pub_required");
      return null;
    }
    if (!Number.isFinite(Number(v))) errors[n] = t("staff_pub_bad_number");
    return Number(v);
  };
  const id = text("id");
  if (!id) errors.id = t("staff_pub_required");
  else if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) errors.id = t("staff_pub_bad_id");
  if (!text("name_ja")) errors.name_ja = t("staff_pub_required");
  const method = field("method").value;
  const indicator = {
    name_ja: text("name_ja"), name_en: text("name_en"), unit: text("unit"), method,
    figure: method === "computed" ? field("figure").value : null,
    baseline_year: year("baseline_year"),
    baseline_value: number("baseline_value", method === "entered"),
    targets: [],
    actuals: existing?.actuals || [],
    direction: existing?.direction || "up",
    order: existing?.order ?? 0,
    note: existing?.note || "",
  };
  // the year's target replaces that year's; the other years' targets are kept
  const target = { year: year("target_year"), value: number("target_value", true) };
  indicator.targets = [...(existing?.targets || []).filter((tg) => tg.year !== target.year), target]
    .sort((a, b) => a.year - b.year);
  for (const [name, message] of Object.entries(errors)) setFieldError(name, message);
  return Object.keys(errors).length ? null : { id, indicator };
}

/** Validation errors from the API (422) under their fields where one is named. */
function showApiErrors(err) {
  const detail = err instanceof ApiError ? err.detail : null;
  const general = [];
  if (Array.isArray(detail)) {
    for (const d of detail) {
      const loc = (d.loc || []).filter((x) => x !== "body");
      const name = loc[0] === "targets" ? (loc[2] === "year" ? "target_year" : "target_value") : loc[0];
      if (name && field(name)) setFieldError(name, d.msg);
      else general.push(d.msg);
    }
  } else general.push(errorText(err));
  const box = document.getElementById("ind-error");
  box.textContent = general.join(" ");
  box.hidden = !general.length;
}

let indicators = [];

function fillForm(ind) {
  clearErrors();
  field("id").value = ind.id;
  field("name_ja").value = ind.name_ja;
  field("name_en").value = ind.name_en;
  field("unit").value = ind.unit;
  field("method").value = ind.method;
  field("figure").value = ind.figure || "";
  field("baseline_year").value = ind.baseline_year;
  field("baseline_value").value = ind.baseline_value ?? "";
  const last = ind.targets[ind.targets.length - 1];
  field("target_year").value = last?.year ?? "";
  field("target_value").value = last?.value ?? "";
  field("name_ja").focus();
}

function actualForm(ind) {
  const year = el("input", { class: "actual-year", inputmode: "numeric", "aria-label": t("staff_pub_ind_actual_year"), placeholder: t("staff_pub_ind_actual_year") });
  const value = el("input", { class: "actual-value", inputmode: "decimal", "aria-label": t("staff_pub_ind_actual"), placeholder: t("staff_pub_ind_actual") });
  const source = el("input", { class: "actual-source", "aria-label": t("staff_pub_ind_source"), placeholder: t("staff_pub_ind_source") });
  const message = el("p", { class: "row-error", hidden: true });
  return el("div", { class: "actual-form" }, year, value, source,
    el("button", {
      type: "button", class: "btn add-actual", onclick: async () => {
        const problems = [];
        if (!/^\d{4}$/.test(year.value.trim())) problems.push(`${t("staff_pub_ind_actual_year")}: ${t("staff_pub_bad_year")}`);
        if (!value.value.trim() || !Number.isFinite(Number(value.value))) problems.push(`${t("staff_pub_ind_actual")}: ${t("staff_pub_bad_number")}`);
        if (!source.value.trim()) problems.push(`${t("staff_pub_ind_source")}: ${t("staff_pub_required")}`);
        message.textContent = problems.join(" ");
        message.hidden = !problems.length;
        if (problems.length) return;
        try {
          await api(`indicators/${encodeURIComponent(ind.id)}/actuals`, {
            method: "POST", body: { year: Number(year.value), value: Number(value.value), source: source.value.trim() },
          });
          toast(t("staff_pub_saved"));
          await loadIndicators();
        } catch (err) {
          message.textContent = errorText(err);
          message.hidden = false;
        }
      },
    }, t("staff_pub_ind_add_actual")), message);
}

async function loadIndicators() {
  indicators = await api("indicators");
  const box = document.getElementById("indicator-list");
  if (!indicators.length) {
    box.replaceChildren(el("p", { class: "muted" }, t("staff_pub_ind_none")));
    return;
  }
  const figureName = (f) => pageData.figures.find((x) => x.value === f)?.label || f;
  box.replaceChildren(el("table", { class: "data", id: "indicator-defs" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("staff_pub_ind_name_ja")), el("th", { scope: "col" }, t("staff_pub_ind_method")),
      el("th", { scope: "col" }, t("staff_pub_ind_baseline")), el("th", { scope: "col" }, t("staff_pub_ind_target")),
      el("th", { scope: "col" }, ""))),
    el("tbody", {}, indicators.map((ind) => el("tr", { dataset: { indicator: ind.id } },
      el("th", { scope: "row" }, ind.name_ja, ind.name_en ? el("div", { class: "muted small" }, ind.name_en) : null),
      el("td", {}, ind.method === "computed" ? `${t("staff_pub_ind_method_computed")}: ${figureName(ind.figure)}` : t("staff_pub_ind_method_entered")),
      el("td", {}, `${ind.baseline_value ?? "–"} (${ind.baseline_year})`),
      el("td", { class: "targets" }, ind.targets.map((tg) => `${tg.value} (${tg.year})`).join("、")),
      el("td", {},
        el("button", { type: "button", class: "btn edit-indicator", onclick: () => fillForm(ind) }, t("staff_pub_ind_edit")),
        ind.method === "entered" ? actualForm(ind) : null))))));
}

function startForm() {
  field("figure").replaceChildren(...pageData.figures.map((f) => el("option", { value: f.value }, f.label)));
  const toggle = () => (field("figure").disabled = field("method").value !== "computed");
  field("method").addEventListener("change", toggle);
  toggle();
  form().addEventListener("submit", async (e) => {
    e.preventDefault();
    const existing = indicators.find((i) => i.id === field("id").value.trim());
    const read = readForm(existing);
    if (!read) return;
    try {
      await api(`indicators/${encodeURIComponent(read.id)}`, { method: "PUT", body: read.indicator });
      toast(t("staff_pub_saved"));
      await loadIndicators();
    } catch (err) {
      showApiErrors(err);
    }
  });
}

async function start() {
  startForm();
  const parts = [loadCases, loadProfiles, loadIndicators];
  const results = await Promise.allSettled(parts.map((f) => f()));
  for (const r of results) if (r.status === "rejected") showAlert(explainError(r.reason));
  document.body.dataset.ready = "true";
}

startPage(start, ["staff", "coordinator", "admin"]);
