// The administrators' token page: create a token (shown once, here, and never again), list
// the holders, revoke one (two clicks, and never the token in use).
import { el, explainError, formatDate, roleName, showAlert, startPage, t, toast } from "./common.js";
import { endpoints } from "./endpoints.js";

const form = document.getElementById("token-create-form");
const roleSelect = document.getElementById("new-token-role");
const orgField = document.getElementById("new-token-org-field");
const orgSelect = document.getElementById("new-token-org");
const body = document.getElementById("tokens-body");
const showRevoked = document.getElementById("show-revoked");
let me = null;
let orgNames = new Map();

function revokeButton(holder) {
  const button = el("button", { type: "button", class: "btn btn-reject", "data-action": "revoke" }, t("tokens_revoke"));
  button.addEventListener("click", async () => {
    if (button.dataset.action === "revoke") { // first click: ask once more
      button.dataset.action = "confirm-revoke";
      button.textContent = t("tokens_revoke_confirm");
      return;
    }
    button.disabled = true;
    try {
      await endpoints.revokeToken(holder.id);
      toast(t("tokens_revoked", { name: holder.name }));
      await load();
    } catch (err) {
      button.disabled = false;
      showAlert(explainError(err));
    }
  });
  return button;
}

function row(holder) {
  return el("tr", { dataset: { id: holder.id, active: String(holder.active) } },
    el("td", { class: "holder-name" }, holder.name),
    el("td", {}, roleName(holder.role)),
    el("td", {}, holder.org_id ? orgNames.get(holder.org_id) || t("unknown") : "–"),
    el("td", {}, formatDate(holder.created_at)),
    el("td", { class: "holder-state" }, t(holder.active ? "tokens_active" : "tokens_revoked_state")),
    el("td", {}, holder.active && holder.id !== me.id ? revokeButton(holder)
      : holder.id === me.id ? el("span", { class: "muted small" }, t("tokens_yours")) : null));
}

async function load() {
  const holders = await endpoints.tokens(showRevoked.checked);
  body.replaceChildren(...holders.map(row));
  body.dataset.ready = "true";
}

async function create(event) {
  event.preventDefault();
  showAlert(null);
  const data = new FormData(form);
  const request = { name: String(data.get("name") || "").trim(), role: roleSelect.value };
  if (request.role === "business") request.org_id = orgSelect.value;
  document.getElementById("new-token-button").disabled = true;
  try {
    const created = await endpoints.createToken(request);
    document.getElementById("token-once-for").textContent =
      t("tokens_once_for", { name: created.name, role: roleName(created.role) });
    const value = document.getElementById("token-once-value");
    value.value = created.token;
    document.getElementById("token-once").hidden = false;
    value.select();
    form.reset();
    orgField.hidden = true;
    await load();
  } catch (err) {
    showAlert(explainError(err));
  } finally {
    document.getElementById("new-token-button").disabled = false;
  }
}

async function start(user) {
  me = user;
  const orgs = await endpoints.organizations();
  orgNames = new Map(orgs.map((o) => [o.id, o.name]));
  orgSelect.replaceChildren(...orgs.filter((o) => o.sector === "business")
    .map((o) => el("option", { value: o.id }, o.name)));
  roleSelect.addEventListener("change", () => { orgField.hidden = roleSelect.value !== "business"; });
  document.getElementById("token-once-done").addEventListener("click", () => {
    document.getElementById("token-once-value").value = "";
    document.getElementById("token-once").hidden = true;
  });
  showRevoked.addEventListener("change", load);
  form.addEventListener("submit", create);
  await load();
}

startPage(start, ["admin"]);
