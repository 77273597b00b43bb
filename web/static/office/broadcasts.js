// 队伍通知: every team's notices from their leaders, newest first, urgent ones marked (and
// those that went out inside the quiet hours), with what became of each; on top, each team's
// urgent notices this quarter, so a habit of waking people shows early.

import * as api from "./api.js";
import { h, fill, when, loading, empty, failed } from "./dom.js";
import { choice, dateInput, asked, filterForm, pager } from "./filters.js";

const VIEW = "broadcasts";
const PAGE = 20;
const FILTERS = ["urgent", "team_id", "from", "to"];
const DELIVERY = [
  ["sent", "已发送"],
  ["pending", "待发送"],
  ["skipped", "未送达"],
  ["failed", "发送失败"],
];

function quarter(q) {
  const items = q.teams.map((t) =>
    h(
      "li",
      { class: t.urgent ? "alert act" : "alert calm", "data-team-id": t.team.id },
      h(
        "a",
        { href: `#${VIEW}${api.query({ urgent: "true", team_id: t.team.id })}` },
        `${t.team.name}：`,
        h("b", { "data-field": "urgent" }, String(t.urgent)),
        " 条",
      ),
    ),
  );
  return h(
    "section",
    { id: "quarter-urgent" },
    h("h3", {}, `本季度（${q.period}）各队紧急通知`),
    items.length ? h("ul", { class: "alerts" }, items) : empty("还没有服务队。"),
  );
}

function deliveries(b) {
  const parts = DELIVERY.filter(([key]) => b.counts[key]).map(([key, text]) =>
    h("span", { class: `tag delivery-${key}`, "data-count": key }, `${text} ${b.counts[key]}`),
  );
  return h(
    "p",
    { class: "meta", "data-field": "deliveries" },
    `接收 ${b.recipients} 人`,
    parts.length ? "：" : "",
    parts.map((p, i) => [i ? " " : "", p]),
  );
}

function marks(b) {
  return [
    b.urgent ? h("span", { class: "tag urgent", "data-field": "urgent" }, "紧急") : null,
    b.in_quiet_hours ? h("span", { class: "tag quiet", "data-field": "quiet" }, "免打扰时段发出") : null,
  ];
}

function noticeCard(b) {
  return h(
    "article",
    { class: b.urgent ? "card notice-card urgent" : "card notice-card", "data-broadcast-id": b.id },
    h(
      "h3",
      {},
      h("span", { "data-field": "team" }, b.team.name),
      " · 队长 ",
      h("span", { "data-field": "sender" }, b.sender.name),
      " ",
      marks(b),
    ),
    h("p", { class: "meta" }, `发出时间 ${when(b.created_at)}`),
    h("p", { class: "text", "data-field": "text" }, b.text),
    deliveries(b),
  );
}

async function render(root, ctx) {
  const params = ctx.params;
  const teams = await ctx.teams();
  const chosen = asked(params, FILTERS);
  const fields = [
    choice("urgent", "类型", [["true", "只看紧急通知"]], chosen.urgent, VIEW),
    choice("team_id", "服务队", teams.map((t) => [t.id, t.name]), chosen.team_id, VIEW),
    dateInput("from", "发出日期起", chosen.from, VIEW),
    dateInput("to", "至", chosen.to, VIEW),
  ];
  const top = h("div", { id: "quarter-box" });
  const listing = h("div", { id: "broadcast-list" }, loading());
  fill(
    root,
    h("h2", {}, "队伍通知"),
    h("p", { class: "hint" }, "各队队长发给队员的通知。紧急通知在免打扰时段（默认 21:00–08:00）也会立即发送，请留意是否确有必要。"),
    top,
    filterForm(VIEW, FILTERS, fields, ctx),
    listing,
  );
  let page;
  try {
    const offset = params.get("offset") || 0;
    page = await api.get(`/office/broadcasts${api.query({ ...chosen, limit: PAGE, offset })}`);
  } catch (error) {
    fill(listing, failed(error));
    return;
  }
  fill(top, quarter(page.this_quarter));
  fill(
    listing,
    page.items.length ? page.items.map(noticeCard) : empty("没有符合条件的通知。"),
    pager(VIEW, params, page.total, PAGE, ctx),
  );
}

export default { title: "队伍通知", render };
