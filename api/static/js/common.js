// Shared helpers for every page: messages in the page's language, the bearer token kept in
// localStorage, fetch with the Authorization header, small DOM helpers, the header's sign-in.

const boot = JSON.parse(document.getElementById("boot").textContent);
export const lang = boot.lang;
export const labels = boot.labels;
export const sectorColours = boot.sectorColours;
export const pageData = boot;

const TOKEN_KEY = "tsunagu_token";
export const API = "/api/v1";

/** The UI string `key` in the page's language, with `{name}` placeholders filled in. */
export function t(key, values = {}) {
  const text = boot.messages[key];
  if (text === undefined) {
    console.error(`missing message ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

/** A label for an enumeration value (`kind` is sector, field, form, resource_kind, ...). */
export function label(kind, value) {
  if (value === null || value === undefined || value === "") return t("unknown");
  return (labels[kind] && labels[kind][value]) || String(value);
}

/** Pick the text for this page's language from `{ja, en}`, or return a plain string as it is. */
export function localised(value) {
  if (value && typeof value === "object") return value[lang] ?? value.ja ?? value.en ?? "";
  return value ?? "";
}

export function getToken() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An error answered by the API, with its HTTP status and the server's `detail`. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

/** Call the API with the stored token; JSON in and out. Throws ApiError on a non-2xx answer.
 * `headers` adds request headers (e.g. If-Match with a record's version); `signal` (an
 * AbortSignal) cancels the request. */
export async function api(
  path,
  { method = "GET", body, query, raw = false, signal, headers: extra = {} } = {},
) {
  const url = new URL(path.startsWith("/") ? path : `${API}/${path}`, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
    else url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json", ...extra };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err; // the caller abandoned the request
    throw new ApiError(0, t("error_network"));
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch (err) {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, detail);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** Create an element: el("div", {class: "x", onclick: fn}, child, "text", ...). A style goes
 * through the CSSOM (the Content-Security-Policy refuses style attributes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "style") node.style.cssText = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** `url` if it is an http(s) or mailto address, else null: a stored address is never put into
 * an href as it is (a `javascript:` link would run when clicked). */
export function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return LINK_PROTOCOLS.has(parsed.protocol) ? parsed.href : null;
  } catch (err) {
    return null;
  }
}

/** A link to an outside address, or just its text when it is not a safe one. */
export function externalLink(url, text = url) {
  const href = safeUrl(url);
  return href ? el("a", { href, rel: "noopener noreferrer", target: "_blank" }, text) : el("span", {}, text);
}

/** A coloured pill naming an organization's sector. */
export function sectorBadge(sector) {
  return el(
    "span",
    { class: "badge", style: `--badge:${sectorColours[sector] || "#999"}` },
    label("sector", sector),
  );
}

/** `text` in brackets as the page's language writes them: （…） in Japanese, (…) in English. */
export function bracket(text) {
  return lang === "ja" ? `（${text}）` : ` (${text})`;
}

/** Format a date (ISO string) for the page's language. */
export function formatDate(value) {
  if (!value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleDateString(lang === "ja" ? "ja-JP" : "en-GB", {
    year: "numeric",
    month: "short",
    day: "numeric",
  });
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString(lang === "ja" ? "ja-JP" : "en-GB", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** Show a message above the page content (kind: "error" or "info"); null hides it. */
export function showAlert(message, kind = "error") {
  const box = document.getElementById("alert");
  if (!message) {
    box.hidden = true;
    return;
  }
  box.className = `alert alert-${kind}`;
  box.textContent = message;
  box.hidden = false;
}

let toastTimer;
/** A short notice at the bottom of the screen. */
export function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 4000);
}

/** Explain an API error to the user in their language. */
export function explainError(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return t("error_unauthorized");
    if (err.status === 403) return t("error_forbidden", { role: roleName(currentUser?.role) });
    return t("error_generic", { detail: describeDetail(err.detail) });
  }
  return t("error_generic", { detail: String(err?.message || err) });
}

/**
 * The API's `detail` in the page's language: "日本語 / English" strings are split, and
 * validation errors (a list of {loc, msg}) are listed with the field they concern.
 */
export function describeDetail(detail) {
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((x) => x !== "body").join(".")}: ${d.msg}`).join("; ");
  }
  if (detail && typeof detail === "object") return localised(detail.message) || JSON.stringify(detail);
  const text = String(detail ?? "");
  const cut = text.indexOf(" / ");
  if (cut < 0) return text;
  return lang === "ja" ? text.slice(0, cut) : text.slice(cut + 3);
}

export function roleName(role) {
  return role ? t(`role_${role}`) : t("not_signed_in");
}

export let currentUser = null;

/** Who the stored token belongs to (`{name, role, org_id}`), or null when signed out. */
export async function whoami() {
  if (!getToken()) return null;
  try {
    currentUser = await api("me");
  } catch (err) {
    currentUser = null;
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
  }
  return currentUser;
}

/** Show only the tabs the signed-in role may use (all of them when signed out). */
function renderNav() {
  for (const link of document.querySelectorAll(".mainnav a[data-roles]")) {
    link.hidden = Boolean(currentUser) && !link.dataset.roles.split(" ").includes(currentUser.role);
  }
}

function renderSession() {
  renderNav();
  const who = document.getElementById("whoami");
  const button = document.getElementById("token-button");
  if (currentUser) {
    who.textContent = `${currentUser.name}${bracket(roleName(currentUser.role))}`;
    who.dataset.role = currentUser.role;
    button.textContent = t("token_signout");
  } else {
    who.textContent = t("not_signed_in");
    delete who.dataset.role;
    button.textContent = t("token_signin");
  }
}

/** Open the token dialog; resolves once a token the API accepts has been saved. */
export function askForToken() {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const error = document.getElementById("token-error");
  error.hidden = true;
  input.value = "";
  dialog.showModal();
  return new Promise((resolve) => {
    const form = document.getElementById("token-form");
    const cancel = document.getElementById("token-cancel");
    const onSubmit = async (event) => {
      event.preventDefault();
      setToken(input.value.trim());
      const user = await whoami().catch(() => null);
      if (!user) {
        setToken("");
        error.hidden = false;
        return;
      }
      form.removeEventListener("submit", onSubmit);
      dialog.close();
      renderSession();
      resolve(user);
    };
    form.addEventListener("submit", onSubmit);
    cancel.onclick = () => {
      form.removeEventListener("submit", onSubmit);
      dialog.close();
      resolve(null);
    };
  });
}

/**
 * Sign in (from the stored token, or by asking for one) and run `start(user)`.
 * Pages call this once; `roles` lists the roles that may use the page.
 */
export async function startPage(start, roles = null) {
  holdNativeSubmits();
  let user = null;
  try {
    user = await whoami();
  } catch (err) {
    showAlert(explainError(err));
  }
  renderSession();
  document.getElementById("token-button").addEventListener("click", async () => {
    if (currentUser) {
      setToken("");
      currentUser = null;
      renderSession();
      location.reload();
    } else if (await askForToken()) {
      location.reload();
    }
  });
  if (!start) return;
  if (!user) {
    showAlert(t("error_unauthorized"), "info");
    withholdPage();
    return;
  }
  if (roles && !roles.includes(user.role)) {
    showAlert(t("error_forbidden", { role: roleName(user.role) }));
    withholdPage();
    return;
  }
  try {
    await start(user);
  } catch (err) {
    console.error(err);
    showAlert(explainError(err));
    clearLoading();
  }
}

/** Every form on these pages is sent by the page's script, which wires it once sign-in and
 * the first lists have loaded. Until then, Enter in a field would send the form natively: a
 * GET of the page with the fields in its address, which reloads it and drops what was typed.
 * This listener (on the document, so after the form's own) stops that; the page's own
 * handlers cancel the native submission themselves. Dialog forms (`method="dialog"`) close
 * their dialog as the browser does. */
function holdNativeSubmits() {
  document.addEventListener("submit", (event) => {
    if (event.target instanceof HTMLFormElement && event.target.method !== "dialog") event.preventDefault();
  });
}

/** A page that will not start (signed out, or a role that may not use it) shows its title and
 * the alert that says why, not its forms and tables: they would invite work the API refuses. */
function withholdPage() {
  clearLoading();
  const main = document.querySelector("main");
  for (const part of main ? main.children : []) {
    if (part.id !== "alert" && !part.classList.contains("page-header")) part.hidden = true;
  }
}

/** Remove the "loading…" placeholders a page's template shows (class `loading`) once the page
 * will not load: signed out, refused, or failed (the alert says why). */
function clearLoading() {
  for (const placeholder of document.querySelectorAll(".loading")) placeholder.remove();
}

/** Download an API file (exports need the Authorization header, so a plain link won't do). */
export async function download(path, fallbackName) {
  return saveResponse(await api(path, { raw: true }), fallbackName);
}

/** Save a raw API response as a file: the name its Content-Disposition gives, else
 * `fallbackName`; returns the name. */
export async function saveResponse(response, fallbackName) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1]) : fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

// The language switch keeps the rest of the address (e.g. ?org=… on the map).
(() => {
  const link = document.getElementById("lang-switch");
  const url = new URL(location.href);
  url.searchParams.set("lang", link.getAttribute("hreflang"));
  link.href = url.pathname + url.search + url.hash;
})();

if (document.body.dataset.page === "home") startPage(null);
