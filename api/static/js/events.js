// A matching event's seating (交流会): pick the attendees (search, sector, district), the
// rounds and the seats per table; the server seats them (no pair meets twice, sectors mixed,
// the best pair scores); the plan is shown round by round, printed one A4 sheet per round, and
// saved as CSV or Excel from the plan on the screen (posted back, never re-computed).
import {
  ApiError, describeDetail, el, explainError, labels, lang, saveResponse, sectorBadge, showAlert, startPage, t, toast,
} from "./common.js";
import { endpoints } from "./endpoints.js";

const byId = (id) => document.getElementById(id);
const selected = new Set();
let organizations = [];
let seed = 0;
/** The plan shown: `{answer, rounds: [[ids of table 1, ...], ...]}` (what a file is made of). */
let shown = null;

const ERROR_BOXES = { org_ids: "ev-attendees-error", rounds: "ev-rounds-error", table_size: "ev-table-size-error" };
const INPUTS = { rounds: "ev-rounds", table_size: "ev-table-size" };

function fieldError(field, message) {
  const box = byId(ERROR_BOXES[field]);
  box.textContent = message;
  box.hidden = false;
  if (INPUTS[field]) {
    byId(INPUTS[field]).classList.add("field-invalid");
    byId(INPUTS[field]).setAttribute("aria-invalid", "true");
  }
}

function clearErrors() {
  for (const [field, id] of Object.entries(ERROR_BOXES)) {
    byId(id).hidden = true;
    byId(id).textContent = "";
    if (INPUTS[field]) {
      byId(INPUTS[field]).classList.remove("field-invalid");
      byId(INPUTS[field]).removeAttribute("aria-invalid");
    }
  }
}

function matches(org) {
  const q = byId("ev-q").value.trim().toLowerCase();
  const sector = byId("ev-sector").value;
  const area = byId("ev-area").value;
  const names = [org.name, org.name_kana].filter(Boolean).map((s) => s.toLowerCase());
  return (!q || names.some((s) => s.includes(q)))
    && (!sector || org.sector === sector)
    && (!area || (org.area || "") === area);
}

function updateCounts(shownCount) {
  byId("ev-selected-count").textContent = t("ev_selected", { n: selected.size });
  if (shownCount !== undefined) {
    byId("ev-shown-count").textContent = t("ev_shown", { shown: shownCount, total: organizations.length });
  }
}

function drawOrganizations() {
  const list = organizations.filter(matches);
  byId("ev-orgs").replaceChildren(...(list.length
    ? list.map((org) => el("li", { dataset: { id: org.id } },
      el("label", {},
        el("input", {
          type: "checkbox", name: "attendee", value: org.id, checked: selected.has(org.id),
          onchange: (event) => {
            if (event.target.checked) selected.add(org.id);
            else selected.delete(org.id);
            byId("ev-attendees-error").hidden = true;
            updateCounts();
          },
        }),
        el("span", { class: "ev-org-name" }, org.name),
        sectorBadge(org.sector),
        el("span", { class: "muted small ev-org-area" }, org.area || ""))))
    : [el("li", { class: "muted", id: "ev-none" }, t("ev_none_match"))]));
  updateCounts(list.length);
}

function whole(value, low, high) {
  const n = Number(value);
  return value !== "" && Number.isInteger(n) && n >= low && n <= high ? n : null;
}

/** The request, or null after showing what is wrong under each field. */
function request() {
  clearErrors();
  let ok = true;
  if (selected.size < 2) {
    fieldError("org_ids", t("ev_err_attendees", { n: selected.size }));
    ok = false;
  } else if (selected.size > 150) {
    fieldError("org_ids", t("ev_err_attendees_many", { n: selected.size }));
    ok = false;
  }
  const rounds = whole(byId("ev-rounds").value.trim(), 1, 20);
  if (rounds === null) {
    fieldError("rounds", t("ev_err_rounds"));
    ok = false;
  }
  const tableSize = whole(byId("ev-table-size").value.trim(), 2, 50);
  if (tableSize === null) {
    fieldError("table_size", t("ev_err_table_size"));
    ok = false;
  }
  const order = organizations.map((o) => o.id).filter((id) => selected.has(id));
  return ok ? { org_ids: order, rounds, table_size: tableSize, seed } : null;
}

/** A 422 answer's messages under the fields they name; true if it was one. */
function showServerErrors(err) {
  if (!(err instanceof ApiError) || err.status !== 422 || !Array.isArray(err.detail)) return false;
  for (const d of err.detail) {
    const field = (d.loc || [])[1];
    if (!ERROR_BOXES[field]) continue;
    // the seating's own reasons are bilingual; a schema error gets this page's words
    fieldError(field, d.type === "seating" ? describeDetail(d.msg) : t(`ev_err_${field === "org_ids" ? "attendees" : field}`, { n: selected.size }));
  }
  return true;
}

function seatItem(answer, id) {
  return el("li", { dataset: { id } },
    el("span", { class: "ev-seat-name" }, answer.names[id] || t("unknown")),
    sectorBadge(answer.sectors[id]),
    answer.areas[id] ? el("span", { class: "muted small ev-seat-area" }, answer.areas[id]) : null);
}

function drawPlan(answer, tableSize) {
  const rounds = answer.rounds.map((tables) => tables.map((table) => table.org_ids));
  shown = { answer, rounds };
  const tables = answer.rounds[0].length;
  byId("ev-summary").textContent = t("ev_plan_summary", {
    n: rounds[0].flat().length, rounds: rounds.length, tables, size: tableSize,
  });
  const unmixed = byId("ev-unmixed");
  unmixed.hidden = !answer.unmixed_tables.length;
  unmixed.textContent = answer.unmixed_tables.length ? t("ev_unmixed", { n: answer.unmixed_tables.length }) : "";
  byId("ev-rounds-list").replaceChildren(...answer.rounds.map((tablesOfRound, r) => el("section",
    { class: "ev-round", dataset: { round: String(r + 1) } },
    el("p", { class: "ev-print-title" }, t("ev_print_title")),
    el("h3", {}, t("ev_round", { n: r + 1 })),
    el("div", { class: "ev-tables" }, tablesOfRound.map((table) => el("div",
      { class: "ev-table", dataset: { table: String(table.table) } },
      el("h4", {}, t("ev_table", { n: table.table })),
      el("ol", {}, table.org_ids.map((id) => seatItem(answer, id)))))))));
  byId("ev-plan").hidden = false;
  byId("ev-plan").dataset.ready = "true";
  byId("ev-another").hidden = false;
}

async function makePlan() {
  const body = request();
  if (!body) return;
  const button = byId("ev-make");
  button.disabled = true;
  byId("ev-plan").removeAttribute("data-ready");
  showAlert(t("ev_making"), "info");
  try {
    drawPlan(await endpoints.seating(body), body.table_size);
    showAlert(null);
    byId("ev-plan").scrollIntoView({ block: "start" });
  } catch (err) {
    showAlert(null);
    if (!showServerErrors(err)) showAlert(explainError(err));
  } finally {
    button.disabled = false;
  }
}

async function save(fmt) {
  if (!shown) return;
  try {
    const response = await endpoints.seatingFile(fmt, shown.rounds, lang);
    const name = await saveResponse(response, `tsunagu-seating.${fmt}`);
    toast(t("ev_saved", { name }));
  } catch (err) {
    showAlert(explainError(err));
  }
}

async function start() {
  organizations = (await endpoints.organizations())
    .sort((a, b) => a.name.localeCompare(b.name, lang));
  for (const [value, text] of Object.entries(labels.sector)) {
    if (organizations.some((o) => o.sector === value)) byId("ev-sector").append(el("option", { value }, text));
  }
  const areas = [...new Set(organizations.map((o) => o.area).filter(Boolean))].sort((a, b) => a.localeCompare(b, "ja"));
  byId("ev-area").append(...areas.map((a) => el("option", { value: a }, a)));
  for (const id of ["ev-q", "ev-sector", "ev-area"]) byId(id).addEventListener("input", drawOrganizations);
  byId("ev-select-shown").addEventListener("click", () => {
    for (const org of organizations.filter(matches)) selected.add(org.id);
    drawOrganizations();
  });
  byId("ev-clear").addEventListener("click", () => {
    selected.clear();
    drawOrganizations();
  });
  // a field's error goes once the field is changed
  for (const [field, id] of Object.entries(INPUTS)) {
    byId(id).addEventListener("input", () => {
      byId(ERROR_BOXES[field]).hidden = true;
      byId(id).classList.remove("field-invalid");
      byId(id).removeAttribute("aria-invalid");
    });
  }
  byId("ev-form").addEventListener("submit", (event) => {
    event.preventDefault();
    makePlan();
  });
  byId("ev-another").addEventListener("click", () => {
    seed += 1;
    makePlan();
  });
  byId("ev-print").addEventListener("click", () => window.print());
  byId("ev-csv").addEventListener("click", () => save("csv"));
  byId("ev-xlsx").addEventListener("click", () => save("xlsx"));
  drawOrganizations();
  byId("ev-picker").dataset.ready = "true";
}

startPage(start, ["coordinator", "admin"]);