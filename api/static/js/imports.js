// The coordinators' import page: choose a file (and its kind when the name does not say it),
// check it (a dry run: every error of every row, in a paged table), then import all of it,
// only its valid rows, or cancel; see what was written; undo an import from the history.
//
// The file stays in the browser between the check and the import and is sent again: the
// server keeps nothing of an upload it has not written (no temporary copies to expire or
// cap), and the import validates it again against the store as it is then.
import {
  API, ApiError, api, describeDetail, el, explainError, formatNumber, getToken, lang, showAlert, startPage, t, toast,
} from "./common.js";
import { pager } from "./pager.js";

const ERRORS_PER_PAGE = 100;
const HISTORY_PER_PAGE = 20;
const MAX_BYTES = 50 * 1024 * 1024; // the server's limit (api/routes/imports.py)

const form = document.getElementById("import-form");
const fileInput = document.getElementById("import-file");
const fileError = document.getElementById("import-file-error");
const kindSelect = document.getElementById("import-kind");
const kindHint = document.getElementById("import-kind-error");
const checkButton = document.getElementById("import-check");
const reportCard = document.getElementById("import-report");
const allButton = document.getElementById("import-all");
const validButton = document.getElementById("import-valid");
const summaryCard = document.getElementById("import-summary");

let checked = null; // {file, kind, report}: what the buttons import
let historyOffset = 0;

const KINDS = ["Organization", "Need", "Offer", "Collaboration", "Area", "Interest", "Suggestion"];

function kindName(kind) {
  return KINDS.includes(kind) ? t(`imports_record_${kind}`) : kind;
}

function reason(error) {
  return lang === "ja" ? error.reason_ja : error.reason_en;
}

/** POST the file to the import route; the report (200, or 422 with its errors). */
async function send(file, kind, query) {
  const url = new URL(`${API}/imports`, location.origin);
  for (const [k, v] of Object.entries({ ...query, kind })) if (v) url.searchParams.set(k, v);
  const body = new FormData();
  body.append("file", file, file.name);
  let response;
  try {
    response = await fetch(url, {
      method: "POST", body, headers: { Accept: "application/json", Authorization: `Bearer ${getToken()}` },
    });
  } catch (err) {
    throw new ApiError(0, t("error_network"));
  }
  const data = await response.json().catch(() => ({ detail: response.statusText }));
  if (response.ok || (response.status === 422 && Array.isArray(data.errors))) return data;
  throw new ApiError(response.status, data.detail ?? response.statusText);
}

function countsLine(report, dryRun) {
  const parts = [
    [t("imports_read"), report.read],
    [t("imports_valid_count"), report.valid],
    [t("imports_error_count"), report.errors.length],
  ];
  if (dryRun) {
    parts.push([t("imports_would_create"), report.created], [t("imports_would_update"), report.updated],
      [t("imports_unchanged"), report.unchanged]);
  }
  return parts.map(([name, n]) => el("span", { class: "count" }, `${name} `, el("strong", {}, formatNumber(n))));
}

function errorRow(e) {
  return el("tr", {},
    el("td", {}, e.file),
    el("td", {}, e.row ?? "–"),
    el("td", {}, e.column ?? "–"),
    el("td", {}, e.value ?? ""),
    el("td", {}, reason(e)));
}

/** One page of `items` in the report's paged table `name` (its block, body, range and pager
 * are `import-<name>-…`), each item a row made by `row`. */
function showPaged(name, items, offset, row) {
  const block = document.getElementById(`import-${name}-block`);
  block.hidden = items.length === 0;
  if (!items.length) return;
  const page = items.slice(offset, offset + ERRORS_PER_PAGE);
  document.getElementById(`import-${name}-body`).replaceChildren(...page.map(row));
  document.getElementById(`import-${name}-range`).textContent = t("imports_errors_range", {
    from: formatNumber(offset + 1), to: formatNumber(offset + page.length), total: formatNumber(items.length),
  });
  document.getElementById(`import-${name}-pager`).replaceChildren(items.length > ERRORS_PER_PAGE
    ? pager({ total: items.length, offset, limit: ERRORS_PER_PAGE }, (o) => showPaged(name, items, o, row))
    : "");
}

/** The importer's notices (an ignored column, a doubtful check digit …) as a list. */
function showNotices(notices, block, list) {
  block.hidden = notices.length === 0;
  list.replaceChildren(...notices.map((n) => el("li", {},
    n.file ? el("span", { class: "muted" }, n.row ? `${n.file} ${t("imports_col_row")} ${n.row}: ` : `${n.file}: `) : "",
    lang === "ja" ? n.message_ja : n.message_en)));
}

function duplicateSide(name, id, source) {
  return el("td", {}, el("strong", {}, name), el("br"), el("span", { class: "muted small" }, `${id} · ${source}`));
}

/** A likely duplicate pair (for a person to confirm; nothing is merged) as a table row. */
function duplicateRow(d) {
  return el("tr", {}, duplicateSide(d.name_a, d.id_a, d.source_a), duplicateSide(d.name_b, d.id_b, d.source_b),
    el("td", {}, lang === "ja" ? d.reason_ja : d.reason_en));
}

function showReport(report) {
  document.getElementById("import-counts").replaceChildren(...countsLine(report, true));
  const errors = report.errors.length;
  document.getElementById("import-verdict").textContent = errors === 0
    ? t("imports_verdict_ok")
    : report.valid > 0 ? t("imports_verdict_some", { errors: formatNumber(errors), valid: formatNumber(report.valid) })
      : t("imports_verdict_none", { errors: formatNumber(errors) });
  // the file did not say what it lists: point at the kind to choose
  const kindUnknown = report.errors.some((e) => e.reason_en.startsWith("cannot tell what this table lists"));
  kindHint.hidden = !kindUnknown;
  if (kindUnknown) kindSelect.setAttribute("aria-invalid", "true");
  else kindSelect.removeAttribute("aria-invalid");
  allButton.hidden = errors > 0 || report.valid === 0;
  validButton.hidden = errors === 0 || report.valid === 0;
  allButton.disabled = validButton.disabled = false;
  showPaged("errors", report.errors, 0, errorRow);
  showNotices(report.notices ?? [], document.getElementById("import-notices-block"),
    document.getElementById("import-notices"));
  showPaged("duplicates", report.duplicates ?? [], 0, duplicateRow);
  reportCard.hidden = false;
}

async function check(event) {
  event.preventDefault();
  showAlert(null);
  fileError.hidden = true;
  summaryCard.hidden = true;
  const file = fileInput.files[0];
  const problem = !file ? "imports_file_missing" : file.size > MAX_BYTES ? "imports_file_too_big" : null;
  if (problem) {
    fileError.textContent = t(problem);
    fileError.hidden = false;
    fileInput.setAttribute("aria-invalid", "true");
    return;
  }
  fileInput.removeAttribute("aria-invalid");
  checkButton.disabled = true;
  try {
    const report = await send(file, kindSelect.value, { dry_run: "true" });
    checked = { file, kind: kindSelect.value, report };
    showReport(report);
  } catch (err) {
    showAlert(explainError(err));
  } finally {
    checkButton.disabled = false;
  }
}

function summaryRows(byKind) {
  return Object.entries(byKind).map(([kind, c]) => el("tr", { dataset: { kind } },
    el("td", {}, kindName(kind)), el("td", {}, formatNumber(c.created)),
    el("td", {}, formatNumber(c.updated)), el("td", {}, formatNumber(c.unchanged))));
}

async function write(skipInvalid) {
  if (!checked) return;
  showAlert(null);
  allButton.disabled = validButton.disabled = true;
  try {
    const report = await send(checked.file, checked.kind, skipInvalid ? { skip_invalid: "true" } : {});
    if (!report.wrote) {
      // the store changed since the check: show the new report instead
      checked.report = report;
      showReport(report);
      showAlert(t("imports_not_written"));
      return;
    }
    reportCard.hidden = true;
    document.getElementById("import-summary-lead").textContent = t("imports_summary_lead", {
      file: checked.file.name, created: formatNumber(report.created), updated: formatNumber(report.updated),
      unchanged: formatNumber(report.unchanged), skipped: formatNumber(report.skipped),
    });
    document.getElementById("import-summary-body").replaceChildren(...summaryRows(report.by_kind));
    // what the write itself adds (an import written but not listed in the history) and the rest
    showNotices(report.notices ?? [], document.getElementById("import-summary-notices-block"),
      document.getElementById("import-summary-notices"));
    summaryCard.hidden = false;
    checked = null;
    form.reset();
    toast(t("imports_done"));
    historyOffset = 0;
    await loadHistory();
  } catch (err) {
    allButton.disabled = validButton.disabled = false;
    showAlert(explainError(err));
  }
}

function cancel() {
  checked = null;
  reportCard.hidden = true;
  showAlert(null);
  form.reset();
  toast(t("imports_cancelled"));
}

function countsText(counts) {
  return Object.entries(counts).map(([kind, c]) =>
    t("imports_counts_kind", { kind: kindName(kind), created: formatNumber(c.created), updated: formatNumber(c.updated) }))
    .join(lang === "ja" ? "、" : "; ");
}

function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang === "ja" ? "ja-JP" : "en-GB",
    { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function undoButton(entry) {
  const button = el("button", { type: "button", class: "btn btn-reject", "data-action": "undo" }, t("imports_undo"));
  button.addEventListener("click", async () => {
    if (button.dataset.action === "undo") { // first click: ask once more
      button.dataset.action = "confirm-undo";
      button.textContent = t("imports_undo_confirm");
      return;
    }
    button.disabled = true;
    showAlert(null);
    try {
      const done = await api(`imports/${encodeURIComponent(entry.id)}/undo`, { method: "POST" });
      toast(t("imports_undone", { removed: formatNumber(done.removed), restored: formatNumber(done.restored) }));
      summaryCard.hidden = true;
      await loadHistory();
    } catch (err) {
      button.disabled = false;
      button.dataset.action = "undo";
      button.textContent = t("imports_undo");
      // a refusal says in both languages which records stand in the way: shown as it is
      showAlert(err instanceof ApiError && err.status === 409 ? describeDetail(err.detail) : explainError(err));
    }
  });
  return button;
}

function historyRow(entry) {
  const undone = entry.state === "undone";
  return el("tr", { dataset: { id: entry.id, state: entry.state } },
    el("td", {}, formatTime(entry.at)),
    el("td", {}, entry.actor || t("unknown")),
    el("td", {}, entry.files.join(", ")),
    el("td", {}, countsText(entry.counts)),
    el("td", { class: "import-state" }, undone
      ? t("imports_state_undone", { who: entry.undone_by || t("unknown"), when: formatTime(entry.undone_at) })
      : t("imports_state_committed")),
    el("td", {}, undone ? null : undoButton(entry)));
}

async function loadHistory() {
  const page = await api("imports", { query: { offset: historyOffset, limit: HISTORY_PER_PAGE } });
  const body = document.getElementById("import-history-body");
  body.replaceChildren(...(page.items.length ? page.items.map(historyRow)
    : [el("tr", {}, el("td", { colspan: "6", class: "muted" }, t("imports_history_empty")))]));
  document.getElementById("import-history-pager").replaceChildren(page.total > HISTORY_PER_PAGE
    ? pager(page, (o) => { historyOffset = o; loadHistory(); }) : "");
  body.dataset.ready = "true";
}

async function start() {
  form.addEventListener("submit", check);
  allButton.addEventListener("click", () => write(false));
  validButton.addEventListener("click", () => write(true));
  document.getElementById("import-cancel").addEventListener("click", cancel);
  await loadHistory();
}

startPage(start, ["coordinator", "admin"]);
