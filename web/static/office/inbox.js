// 消息: the office's inbox (late reports, the daily spot-check sample), marked read here;
// and the messages WeChat did not deliver, with why.

import * as api from "./api.js";
import { h, fill, when, table, loading, empty, failed } from "./dom.js";

const TABS = [
  ["inbox", "收件箱"],
  ["unread", "未读"],
  ["undelivered", "未送达的消息"],
];

function tabs(current, ctx) {
  return h(
    "div",
    { class: "tabs" },
    TABS.map(([tab, text]) =>
      h(
        "button",
        { type: "button", class: tab === current ? "tab active" : "tab", "data-tab": tab, onclick: () => ctx.go(`#inbox?tab=${tab}`) },
        text,
      ),
    ),
  );
}

function entries(message) {
  if (!message.records.length) return null;
  return h(
    "ul",
    { class: "entries" },
    message.records.map((e) =>
      h(
        "li",
        {},
        h("a", { href: `#record/${e.id}` }, e.label),
        ` · ${e.status_name}`,
        e.spot_check ? ` · 抽查：${e.spot_check.result_name}` : "",
      ),
    ),
  );
}

function messageCard(m) {
  const card = h("article", { class: m.read ? "card message read" : "card message unread", "data-message-id": m.id });
  const status = h("span", {});
  const markRead = async (event) => {
    event.target.disabled = true;
    try {
      card.replaceWith(messageCard(await api.post(`/office/inbox/${m.id}/read`)));
    } catch (error) {
      event.target.disabled = false;
      fill(status, failed(error));
    }
  };
  fill(
    card,
    h("h3", {}, m.read ? "" : h("span", { class: "dot", title: "未读" }), m.title),
    h("p", { class: "meta" }, `${m.kind_name} · ${when(m.time)}`, m.read ? ` · 已读 ${when(m.read_at)}` : ""),
    m.lines.length ? h("dl", { class: "facts" }, m.lines.map((l) => [h("dt", {}, l.label), h("dd", {}, l.value)])) : null,
    m.body ? h("p", {}, m.body) : null,
    entries(m),
    m.read ? null : h("button", { type: "button", class: "mark-read", onclick: markRead }, "标为已读"),
    status,
  );
  return card;
}

async function showInbox(list, unread) {
  const page = await api.get(`/office/inbox${api.query({ unread: unread ? "true" : "", limit: 100 })}`);
  fill(
    list,
    page.items.length ? page.items.map(messageCard) : empty(unread ? "没有未读消息。" : "收件箱是空的。"),
    page.total > page.items.length ? h("p", { class: "hint" }, `共 ${page.total} 条，显示最新的 ${page.items.length} 条。`) : null,
  );
}

async function showUndelivered(list) {
  const page = await api.get("/office/notifications?limit=100");
  const rows = page.items.map((p) =>
    h(
      "tr",
      {},
      h("td", {}, when(p.created_at)),
      h("td", {}, p.member.name),
      h("td", {}, p.member.team || "—"),
      h("td", {}, p.kind_name),
      h("td", {}, p.status_name),
      h("td", {}, p.reason || "—"),
    ),
  );
  fill(
    list,
    h("p", { class: "hint" }, "微信未能送达的消息：请用电话等其他方式告知本人。"),
    rows.length ? table(["时间", "党员", "服务队", "消息", "结果", "原因"], rows, { id: "undelivered" }) : empty("没有未送达的消息。"),
  );
}

async function render(root, ctx) {
  const tab = ctx.params.get("tab") || "inbox";
  const list = h("div", { id: "message-list" }, loading());
  fill(root, h("h2", {}, "消息"), tabs(tab, ctx), list);
  try {
    if (tab === "undelivered") await showUndelivered(list);
    else await showInbox(list, tab === "unread");
  } catch (error) {
    fill(list, failed(error));
  }
}

export default { title: "消息", render };
