// The coordinators' records page: links to the record forms, the registered districts (and
// registering one on purpose), and the deleted organizations, needs and offers with a button
// to restore each.
import {
  ApiError, describeDetail, el, explainError, formatDate, showAlert, startPage, t, toast,
} from "./common.js";
import { endpoints } from "./endpoints.js";

const KINDS = [
  ["organizations", "rec_kind_organizations"],
  ["needs", "rec_kind_needs"],
  ["offers", "rec_kind_offers"],
];
const districtList = document.getElementById("district-list");
const districtForm = document.getElementById("district-form");
const districtError = document.getElementById("district-name-error");
const deletedBox = document.getElementById("deleted-lists");

async function loadDistricts() {
  const areas = await endpoints.districts();
  districtList.replaceChildren(...(areas.length
    ? areas.map((a) => el("li", { class: "tag", dataset: { id: a.id } }, a.name))
    : [el("li", { class: "muted" }, t("rec_districts_none"))]));
  districtList.dataset.ready = "true";
}

async function registerDistrict(event) {
  event.preventDefault();
  districtError.hidden = true;
  showAlert(null);
  const data = new FormData(districtForm);
  try {
    const area = await endpoints.registerDistrict(
      String(data.get("name") || "").trim(), String(data.get("name_kana") || "").trim());
    toast(t("rec_district_registered", { name: area.name }));
    districtForm.reset();
    await loadDistricts();
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      districtError.textContent = Array.isArray(err.detail) ? t("rec_err_required") : describeDetail(err.detail);
    } else {
      districtError.textContent = explainError(err);
    }
    districtError.hidden = false;
  }
}

function restoreButton(path, rec, onDone) {
  return el("button", {
    type: "button", class: "btn", "data-action": "restore",
    onclick: async (event) => {
      event.target.disabled = true;
      try {
        const back = await endpoints.restoreRecord(path, rec.id);
        toast(t("rec_restored", { name: back.name || back.title }));
        await onDone();
      } catch (err) {
        event.target.disabled = false;
        showAlert(explainError(err));
      }
    },
  }, t("rec_restore"));
}

async function loadDeleted() {
  const lists = await Promise.all(KINDS.map(([path]) => endpoints.deletedRecords(path)));
  const sections = KINDS.map(([path, key], i) => {
    const items = lists[i].items;
    return el("div", { class: "deleted-kind", id: `deleted-${path}` },
      el("h3", {}, t(key)),
      items.length
        ? el("table", { class: "data" },
          el("thead", {}, el("tr", {}, el("th", {}, t("rec_name")), el("th", {}, t("rec_deleted_on")), el("th", {}))),
          el("tbody", {}, items.map((rec) => el("tr", { dataset: { id: rec.id } },
            el("td", { class: "deleted-name" }, rec.name || rec.title),
            el("td", {}, formatDate(rec.updated_at)),
            el("td", {}, restoreButton(path, rec, loadDeleted))))))
        : el("p", { class: "muted" }, t("rec_deleted_none")));
  });
  deletedBox.replaceChildren(...sections);
  deletedBox.dataset.ready = "true";
}

async function start() {
  districtForm.addEventListener("submit", registerDistrict);
  await Promise.all([loadDistricts(), loadDeleted()]);
}

startPage(start, ["coordinator", "admin"]);
