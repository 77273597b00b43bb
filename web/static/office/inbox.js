// 消息: the office's inbox (late reports, the daily spot-check sample), marked read here;
// and the messages WeChat did not deliver, with why; each a page at a time, older ones on 「更多」.

import * as api from "./api.js";
import { h, fill, when, loading, empty, failed } from "./dom.js";
import { pagedList } from "./more.js";

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

function messageCard(m, onRead = () => {}) {
  const card = h("article", { class: m.read ? "card message read" : "card message unread", "data-message-id": m.id });
  const status = h("span", {});
  const markRead = async (event) => {
    event.target.disabled = true;
    try {
      card.replaceWith(messageCard(await api.post(`/office/inbox/${m.id}/read`)));
      onRead();
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

/** The list a page at a time into `list`, 「更多」 for older ones; `empty` when there is none. */
async function showPaged(list, paged, shown, emptyText) {
  fill(list, (await paged.first()) ? [shown, paged.footer] : empty(emptyText));
}

async function showInbox(list, unread) {
  const cards = h("div", { id: "messages" });
  // On 未读 a message marked read leaves the list (it stays on screen, shown as read).
  const item = (m) => messageCard(m, unread ? () => paged.left() : undefined);
  const paged = pagedList({ path: "/office/inbox", params: { unread: unread ? "true" : "" }, into: cards, item });
  await showPaged(list, paged, cards, unread ? "没有未读消息。" : "收件箱是空的。");
}

function undeliveredRow(p) {
  return h(
    "tr",
    { "data-notification-id": p.id },
    h("td", {}, when(p.created_at)),
    h("td", {}, p.member.name),
    h("td", {}, p.member.team || "—"),
    h("td", {}, p.kind_name),
    h("td", {}, p.status_name),
    h("td", {}, p.reason || "—"),
  );
}

async function showUndelivered(list) {
  const rows = h("tbody", {});
  const shown = h(
    "table",
    { id: "undelivered" },
    h("thead", {}, h("tr", {}, ["时间", "党员", "服务队", "消息", "结果", "原因"].map((t) => h("th", {}, t)))),
    rows,
  );
  const paged = pagedList({ path: "/office/notifications", into: rows, item: undeliveredRow });
  await showPaged(list, paged, shown, "没有未送达的消息。");
  list.prepend(h("p", { class: "hint" }, "微信未能送达的消息：请用电话等其他方式告知本人。"));
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
