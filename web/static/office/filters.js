// The pieces a filtered, paged list is made of (居民意见, 队伍通知): the filters live in the
// address (#feedback?team_id=1&moderation=pending&offset=20), so a reload or a shared link
// shows the same page.

import * as api from "./api.js";
import { h } from "./dom.js";

/** A <select> with 全部 first; `options` are [value, text] pairs. */
export function choice(name, label, options, selected, idPrefix) {
  return h(
    "label",
    {},
    label,
    h(
      "select",
      { name, id: `${idPrefix}-${name}` },
      h("option", { value: "" }, "全部"),
      options.map(([value, text]) =>
        h("option", { value, selected: String(value) === (selected ?? "") }, text),
      ),
    ),
  );
}

export function dateInput(name, label, value, idPrefix) {
  return h("label", {}, label, h("input", { type: "date", name, id: `${idPrefix}-${name}`, value: value || "" }));
}

/** The named filters as the address gives them (absent ones as ""). */
export function asked(params, names) {
  return Object.fromEntries(names.map((name) => [name, params.get(name) || ""]));
}

/** The form's values of the named filters. */
export function valuesOf(form, names) {
  const data = new FormData(form);
  return Object.fromEntries(names.map((name) => [name, data.get(name) || ""]));
}

/** A filter form that, when sent, moves to `view` with its values (and the first page). */
export function filterForm(view, names, fields, ctx, extraButtons = []) {
  const form = h(
    "form",
    { class: "filters", id: `${view}-filters` },
    fields,
    h("button", { type: "submit", class: "primary", id: `${view}-apply` }, "查询"),
    h("button", { type: "button", id: `${view}-clear`, onclick: () => ctx.go(`#${view}`) }, "清除条件"),
    extraButtons,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.go(`#${view}` + api.query(valuesOf(form, names)));
  });
  return form;
}

/** 上一页 / 下一页 over `total` items, `size` a page, keeping the other filters. */
export function pager(view, params, total, size, ctx) {
  const offset = Number(params.get("offset") || 0);
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.floor(offset / size) + 1;
  const to = (newOffset) => () => {
    const next = new URLSearchParams(params);
    next.set("offset", String(Math.max(0, newOffset)));
    ctx.go(`#${view}?` + next.toString());
  };
  return h(
    "div",
    { class: "pager", id: `${view}-pager` },
    h("button", { type: "button", class: "page-prev", disabled: page <= 1, onclick: to(offset - size) }, "上一页"),
    h("span", { class: "page-info", id: `${view}-page-info` }, `共 ${total} 条，第 ${page} / ${pages} 页`),
    h("button", { type: "button", class: "page-next", disabled: page >= pages, onclick: to(offset + size) }, "下一页"),
  );
}
