// Small helpers to build the page. Text always goes in as text (never as HTML): register
// entries hold what members typed.

/** An element with attributes (on* as listeners) and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const loading = (what = "正在加载…") => h("p", { class: "state loading" }, what);
export const empty = (what) => h("p", { class: "state empty" }, what);
export const failed = (error) =>
  h("p", { class: "notice error", role: "alert" }, error.message || String(error));
export const done = (what) => h("p", { class: "notice ok", role: "status" }, what);

/** "2026-11-24T08:52:00+08:00" → "2026-11-24 08:52" (the API gives Shanghai time). */
export function when(iso) {
  if (!iso) return "—";
  return iso.replace("T", " ").slice(0, 16);
}

export function hours(value) {
  return value === null || value === undefined ? "—" : Number(value).toFixed(1);
}

/** A table from column headings and rows of cells. */
export function table(headings, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, headings.map((title) => h("th", {}, title)))),
    h("tbody", {}, rows),
  );
}

/** Labelled values, as a definition list. */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value ?? "—")]),
  );
}

/** The names of the register's kinds, for the filter, from the server (web/office.py). */
export const NAMES = JSON.parse(document.getElementById("office-names").textContent);

/** Shanghai's today as YYYY-MM-DD. */
export function today() {
  const local = new Date(Date.now() + 8 * 3600 * 1000);
  return local.toISOString().slice(0, 10);
}
