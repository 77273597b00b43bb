// 居民意见: residents' ratings and comments, the held ones (待办公室审阅) first, with 通过 /
// 不通过 (a rejection says why: the page asks for it, the API insists on it); and the QR code
// of a rating page (a member's, an activity's, a team's) to print for households, one at a time
// or as a pile (cardprint.js).

import * as api from "./api.js";
import { h, fill, when, loading, empty, failed, done } from "./dom.js";
import { choice, dateInput, asked, filterForm, pager } from "./filters.js";
import { verdictForm } from "./verdict.js";
import { cardPrintPanel } from "./cardprint.js";

const VIEW = "feedback";
const PAGE = 20;
const FILTERS = ["team_id", "moderation", "from", "to"];
const MODERATIONS = [
  ["pending", "待办公室审阅"],
  ["approved", "已通过"],
  ["rejected", "未通过"],
];
const NOTE_NEEDED = "不通过时请写明原因：请在上面的说明框中填写，再点“不通过”。";

function stars(rating) {
  const n = Math.max(0, Math.min(5, Number(rating) || 0));
  return h(
    "span",
    { class: "stars", "data-field": "rating", "data-rating": n, title: `${n} 分` },
    h("span", { class: "on" }, "★".repeat(n)),
    h("span", { class: "off" }, "★".repeat(5 - n)),
    ` ${n} 分`,
  );
}

/** Fetch a target's QR code PNG with the office's token and save it. */
async function downloadQr(kind, id, status, what) {
  fill(status, loading("正在生成二维码…"));
  try {
    const name = await api.download(`/office/feedback/qr/${kind}/${id}`, `评价二维码_${what}.png`);
    fill(status, done(`已下载：${name}（${what}）`));
  } catch (error) {
    fill(status, failed(error));
  }
}

function qrButton(kind, id, what, status, text = "下载评价二维码") {
  return h(
    "button",
    { type: "button", class: "qr", "data-qr": `${kind}/${id}`, onclick: () => downloadQr(kind, id, status, what) },
    text,
  );
}

function feedbackVerdict(item, card) {
  return verdictForm({
    note: { name: "note", maxlength: 300, placeholder: "说明（不通过时必填，如：含有广告）" },
    choices: [
      { value: "approve", label: "通过", class: "primary", "data-decision": "approve" },
      { value: "reject", label: "不通过", class: "danger", "data-decision": "reject" },
    ],
    needsNote: { reject: NOTE_NEEDED },
    send: (decision, note) =>
      api.post(`/office/feedback/${item.id}`, { decision, note: note || undefined, expected: item.moderation }),
    saved: (saved) => card.replaceWith(feedbackCard(saved, done(`已保存：${saved.moderation_name}`))),
  });
}

/** The form on a held comment; behind 更改审阅结果 on one already decided. */
function decision(item, card) {
  const form = feedbackVerdict(item, card);
  if (item.moderation === "pending") return form;
  return h("details", { class: "change" }, h("summary", {}, "更改审阅结果"), form);
}

function moderationLine(item) {
  const by = item.moderated_by ? ` · ${item.moderated_by.name} ${when(item.moderated_at)}` : "";
  return h(
    "p",
    { class: "meta" },
    h("span", { class: `tag moderation-${item.moderation}`, "data-field": "moderation" }, item.moderation_name),
    item.held_reason_name
      ? ` · ${item.moderation === "pending" ? "暂不展示" : "曾被本地过滤暂缓展示"}：${item.held_reason_name}`
      : "",
    by,
  );
}

function feedbackCard(item, message) {
  const t = item.target;
  const card = h("article", { class: `card feedback moderation-${item.moderation}`, "data-feedback-id": item.id });
  const status = h("div", { class: "qr-status" });
  fill(
    card,
    h(
      "h3",
      {},
      stars(item.rating),
      h("span", { class: "target", "data-field": "target" }, `${t.kind_name}：${t.name || "—"}`),
    ),
    h(
      "p",
      { class: "meta" },
      item.team ? `${item.team.name} · ` : "",
      `评价时间 ${when(item.created_at)} · 居民看到的称呼：${item.resident_sees || "—"}`,
    ),
    item.comment
      ? h("p", { class: "comment", "data-field": "comment" }, item.comment)
      : h("p", { class: "comment muted", "data-field": "comment" }, "（只打了分，没有留言）"),
    moderationLine(item),
    item.moderation_note ? h("p", { class: "note", "data-field": "note" }, `说明：${item.moderation_note}`) : null,
    message || null,
    decision(item, card),
    t.id ? h("div", { class: "qr-line" }, qrButton(t.kind, t.id, `${t.kind_name}${t.name}`, status), status) : null,
  );
  return card;
}

function memberRow(m, team, status) {
  return h(
    "tr",
    { "data-member-id": m.id },
    h("td", {}, m.name),
    h("td", {}, m.role_name),
    h("td", {}, qrButton("member", m.id, `${team.name}_${m.name}`, status, "下载二维码")),
  );
}

/** The QR codes of a team: the team's own, and each member's for the paired household. */
async function showQrTeam(box, teamId, status) {
  if (!teamId) {
    fill(box, h("p", { class: "hint" }, "请选择服务队。"));
    return;
  }
  fill(box, loading());
  try {
    const roster = await api.get(`/team/members${api.query({ team_id: teamId })}`);
    const rows = roster.members.map((m) => memberRow(m, roster.team, status));
    fill(
      box,
      h("p", {}, qrButton("team", roster.team.id, roster.team.name, status, `下载${roster.team.name}的评价二维码`)),
      rows.length
        ? h(
            "table",
            { id: "qr-members" },
            h("thead", {}, h("tr", {}, ["党员", "身份", "结对家庭评价二维码"].map((x) => h("th", {}, x)))),
            h("tbody", {}, rows),
          )
        : empty("这个服务队还没有队员。"),
    );
  } catch (error) {
    fill(box, failed(error));
  }
}

function qrPanel(teams, teamId) {
  const status = h("div", { id: "qr-status" });
  const box = h("div", { id: "qr-box" });
  const select = h(
    "select",
    { id: "qr-team" },
    h("option", { value: "" }, "请选择"),
    teams.map((t) => h("option", { value: t.id, selected: String(t.id) === teamId }, t.name)),
  );
  select.addEventListener("change", () => showQrTeam(box, select.value, status));
  const panel = h(
    "details",
    { class: "card qr-panel", id: "qr-panel", open: Boolean(teamId) },
    h("summary", {}, "评价二维码（打印后交给结对家庭）"),
    h("p", { class: "hint" }, "居民用微信扫码即可为结对党员、活动或服务队打分留言，无需注册。"),
    h("label", { class: "inline" }, "服务队", select),
    status,
    box,
  );
  showQrTeam(box, teamId, status);
  return panel;
}

async function render(root, ctx) {
  const params = ctx.params;
  const teams = await ctx.teams();
  const chosen = asked(params, FILTERS);
  const fields = [
    choice("team_id", "服务队", teams.map((t) => [t.id, t.name]), chosen.team_id, VIEW),
    choice("moderation", "审阅状态", MODERATIONS, chosen.moderation, VIEW),
    dateInput("from", "评价日期起", chosen.from, VIEW),
    dateInput("to", "至", chosen.to, VIEW),
  ];
  const listing = h("div", { id: "feedback-list" }, loading());
  fill(
    root,
    h("h2", {}, "居民意见"),
    h("p", { class: "hint" }, "待办公室审阅的留言排在最前面；通过的评价队长可以看到，不通过的不计入季度报告。"),
    filterForm(VIEW, FILTERS, fields, ctx),
    qrPanel(teams, chosen.team_id),
    cardPrintPanel(teams),
    listing,
  );
  let page;
  try {
    const offset = params.get("offset") || 0;
    page = await api.get(`/office/feedback${api.query({ ...chosen, held_first: "true", limit: PAGE, offset })}`);
  } catch (error) {
    fill(listing, failed(error));
    return;
  }
  fill(
    listing,
    page.items.length ? page.items.map((item) => feedbackCard(item)) : empty("没有符合条件的居民评价。"),
    pager(VIEW, params, page.total, PAGE, ctx),
  );
}

export default { title: "居民意见", render };
