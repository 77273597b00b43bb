// 季度报告: every team's report for a chosen quarter, its status and figures, and the
// Excel file of each. A submitted report is accepted (通过, final) or returned (退回, with a
// reason the leader is sent); the rules are the API's: its refusals are shown as it words them.
// #reports?period=2026-Q3&team_id=2 opens a quarter with that team's report marked.

import * as api from "./api.js";
import { h, fill, when, hours, facts, loading, failed, done, today } from "./dom.js";
import { verdictForm } from "./verdict.js";

const QUARTERS_BACK = 8;

function quarterOf(day) {
  const [year, month] = day.split("-").map(Number);
  return [year, Math.floor((month - 1) / 3) + 1];
}

/** The running quarter and the ones before it, newest first, as "2026-Q4". */
function periods() {
  let [year, quarter] = quarterOf(today());
  const list = [];
  for (let i = 0; i < QUARTERS_BACK; i += 1) {
    list.push(`${year}-Q${quarter}`);
    [year, quarter] = quarter > 1 ? [year, quarter - 1] : [year - 1, 4];
  }
  return list;
}

function lastQuarter() {
  return periods()[1];
}

function registerCheck(check) {
  if (!check) return "—";
  if (check.ok) return h("span", { class: "tag ok" }, "通过");
  return h(
    "span",
    { class: "tag late" },
    `未通过：${check.entries.length} 条记录在系统之外被改动（计 ${hours(check.hours)} 小时）`,
  );
}

/** One cancelled activity as a clerk reads it: when, what, why, and what was done before. */
function cancelledOne(a) {
  const why = a.reason ? `取消原因：${a.reason}` : "取消时未填写原因";
  const done = `；取消前已有 ${a.services} 次服务登记，共 ${hours(a.hours)} 小时（已计入服务时长）`;
  const before = a.services ? done : "";
  return h("li", {}, `${a.starts_at.replace("T", " ")} ${a.title}（${why}${before}）`);
}

/** The activities called off, apart from those held; a report frozen before they were counted has none. */
function cancelled(s) {
  if (s.activities_cancelled === undefined) return "—";
  if (!s.activities_cancelled) return h("span", { "data-field": "cancelled" }, "无");
  return h(
    "div",
    { "data-field": "cancelled" },
    `已取消 ${s.activities_cancelled} 场（不计入开展活动）`,
    h("ul", {}, (s.cancelled_activities || []).map(cancelledOne)),
  );
}

// The figures of a report not handed in are today's, and freeze when it is.
function liveWords(r) {
  if (!r.stats_live) return "提交时冻结";
  return r.status === "returned" ? "实时统计（已退回，重新提交时冻结）" : "实时统计（尚未提交）";
}

function figures(r) {
  const s = r.stats;
  const ratings = s.ratings && s.ratings.count ? `${s.ratings.count} 条，平均 ${s.ratings.average} 分` : "暂无";
  return facts([
    ["状态", h("span", { class: `tag ${r.late ? "late" : ""}`, "data-field": "status" }, r.status_name)],
    ["截止日期", r.deadline],
    [r.status === "returned" ? "上次提交" : "提交", r.submitted_at ? `${r.submitted_by ? r.submitted_by.name : ""} ${when(r.submitted_at)}` : "未提交"],
    ["在册队员", `${s.members} 人`],
    ["开展活动", `${s.activities} 次，参加 ${s.participants} 人`],
    ["已取消活动", cancelled(s)],
    ["服务", h("span", { "data-field": "services" }, `${s.services} 次，${hours(s.hours)} 小时`)],
    ["结对走访", s.visits ? `${s.visits.done} 次（应走访 ${s.visits.due} 次）` : "—"],
    ["存疑待审核", `${s.flagged ?? 0} 条`],
    ["未通过审核", `${s.rejected ?? 0} 条`],
    ["居民评价", ratings],
    ["数据", h("span", { "data-field": "live" }, liveWords(r))],
    ["登记核验", registerCheck(r.register_check)],
    ["工作小结", r.summary || "（未填写）"],
  ]);
}

const DECIDED = { accept: "通过", return: "退回" };

/** The office's last decision: standing (通过/退回), or a return the leader has answered. */
function review(r) {
  const v = r.review;
  if (!v) return null;
  const by = `${v.decided_by ? `${v.decided_by.name} ` : ""}${when(v.decided_at)}`;
  const standing = r.status === v.decision;
  const reason = v.decision === "returned" && v.return_reason ? `，退回原因：${v.return_reason}` : "";
  const what = standing ? `办公室已${v.decision_name}` : `上次${v.decision_name}，队长已重新提交`;
  return h("p", { class: "note", "data-field": "review" }, `${what}（${by}）${reason}`);
}

function decisionForm(period, team, card) {
  return verdictForm({
    note: { name: "reason", maxlength: 300, placeholder: "退回原因（退回时必填，将发给队长）" },
    choices: [
      { value: "accept", label: "通过", class: "primary", "data-decision": "accept" },
      { value: "return", label: "退回", class: "danger", "data-decision": "return" },
    ],
    send: (decision, reason) =>
      api.post(`/office/reports/${team.id}/${period}`, decision === "return" ? { decision, reason } : { decision }),
    saved: (saved, decision) => show(card, period, team, saved, done(`已${DECIDED[decision]}，已通知队长。`)),
  });
}

function show(card, period, team, r, message) {
  const status = h("div", {});
  fill(
    card,
    h("h3", {}, team.name),
    figures(r),
    review(r),
    message || null,
    r.status === "submitted" ? decisionForm(period, team, card) : null,
    h("button", { type: "button", class: "export", onclick: () => exportFile(period, team, status) }, "导出 Excel"),
    status,
  );
}

async function exportFile(period, team, status) {
  fill(status, loading("正在生成 Excel 文件…"));
  try {
    const path = `/team/reports/${period}/export.xlsx${api.query({ team_id: team.id })}`;
    const name = await api.download(path, `季度报告_${team.name}_${period}.xlsx`);
    fill(status, done(`已下载：${name}`));
  } catch (error) {
    fill(status, failed(error));
  }
}

async function teamReport(period, team) {
  const card = h("article", { class: "card report", "data-team-id": team.id }, h("h3", {}, team.name), loading());
  api
    .get(`/team/reports/${period}${api.query({ team_id: team.id })}`)
    .then((r) => show(card, period, team, r))
    .catch((error) => fill(card, h("h3", {}, team.name), failed(error)));
  return card;
}

async function render(root, ctx) {
  const period = ctx.params.get("period") || lastQuarter();
  const choices = periods();
  const select = h(
    "select",
    { id: "period", onchange: (e) => ctx.go(`#reports?period=${e.target.value}`) },
    (choices.includes(period) ? choices : [period, ...choices]).map((p) =>
      h("option", { value: p, selected: p === period }, p === choices[0] ? `${p}（本季度，进行中）` : p),
    ),
  );
  const teams = await ctx.teams();
  const cards = await Promise.all(teams.map((t) => teamReport(period, t)));
  fill(
    root,
    h("h2", {}, "季度报告"),
    h("label", { class: "inline" }, "季度 ", select),
    h("div", { class: "cards" }, cards.length ? cards : h("p", { class: "state empty" }, "还没有服务队。")),
  );
  focus(cards, ctx.params.get("team_id"));
}

/** The report a link opened (the overview's 待审阅), marked and scrolled to. */
function focus(cards, teamId) {
  const card = teamId && cards.find((c) => c.dataset.teamId === teamId);
  if (!card) return;
  card.classList.add("focus");
  card.scrollIntoView({ block: "start" });
}

export default { title: "季度报告", render };
