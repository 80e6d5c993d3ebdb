// Previous / next buttons for a page of results ({total, offset, limit, items}).
import { el, t } from "./common.js";

/** Buttons that call `go(offset)` for the previous and the next page of `page`. */
export function pager(page, go) {
  const { total, offset, limit } = page;
  const prev = el("button", { type: "button", class: "btn", "data-action": "prev", disabled: offset <= 0 },
    t("page_prev"));
  const next = el("button", { type: "button", class: "btn", "data-action": "next", disabled: offset + limit >= total },
    t("page_next"));
  prev.addEventListener("click", () => go(Math.max(0, offset - limit)));
  next.addEventListener("click", () => go(offset + limit));
  return el("div", { class: "pager-buttons" }, prev,
    el("span", { class: "muted small" }, t("page_of", { page: Math.floor(offset / limit) + 1, pages: Math.max(1, Math.ceil(total / limit)) })),
    next);
}
