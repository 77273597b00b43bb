// 总览: each team's quarter at a glance, and what the office must act on.

import * as api from "./api.js";
import { h, fill, hours, table, when } from "./dom.js";

/** Where a team's report of a quarter opens: its card in 季度报告. */
function reportLink(teamId, period) {
  return `#reports${api.query({ period, team_id: teamId })}`;
}

// Who a report waits for, after its status: the office for a submitted one, the leader for
// one the office returned.
const STATUS_WAITS = { submitted: "，待办公室审阅", returned: "，待队长重交" };

function reportCell(team) {
  const report = team.report;
  if (!report) return h("span", { class: "muted" }, "尚未生成");
  const late = report.late ? "late" : "";
  const waiting = STATUS_WAITS[report.status] || "";
  return h(
    "a",
    { href: reportLink(team.id, report.period), class: `tag ${late}` },
    report.status_name + waiting,
    h("span", { class: "muted" }, `（截止 ${report.deadline}）`),
  );
}

/** The reports a leader submitted that wait for the office's 通过 or 退回, each a link to it. */
function awaitingReports(list) {
  if (!list.length) return null;
  return h(
    "ul",
    { id: "awaiting-reports", class: "awaiting" },
    list.map((r) =>
      h(
        "li",
        { "data-team-id": r.team.id, "data-period": r.period },
        h("a", { href: reportLink(r.team.id, r.period) }, `${r.team.name} ${r.period} 季度报告`),
        h(
          "span",
          { class: "muted" },
          ` · ${when(r.submitted_at)} 提交`,
          r.resubmitted ? "（退回后重新提交）" : "",
          r.late ? "（逾期提交）" : "",
        ),
      ),
    ),
  );
}

// Where each waiting count leads: the register narrowed to exactly those entries.
const WAITING_FILTERS = {
  leader: "awaiting_review_by=leader",
  office: "awaiting_review_by=office",
  flagged: "status=flagged",
};

function waitingCell(team, reviewer, count) {
  if (!count) return "0";
  const link = `#register?team_id=${team.id}&${WAITING_FILTERS[reviewer]}`;
  return h("a", { href: link, class: "count" }, String(count));
}

function teamRow(t) {
  return h(
    "tr",
    { "data-team-id": t.id },
    h("td", {}, t.name),
    h("td", {}, t.community),
    h("td", {}, t.leader ? t.leader.name : h("span", { class: "warn" }, "无队长")),
    h("td", { class: "num", "data-field": "members" }, String(t.members)),
    h("td", { class: "num", "data-field": "services" }, String(t.services)),
    h("td", { class: "num", "data-field": "hours" }, hours(t.hours)),
    h("td", { class: "num", "data-field": "awaiting-leader" }, waitingCell(t, "leader", t.awaiting_review.leader)),
    h("td", { class: "num", "data-field": "awaiting-office" }, waitingCell(t, "office", t.awaiting_review.office)),
    h("td", { class: "num", "data-field": "flagged" }, waitingCell(t, "flagged", t.flagged)),
    h("td", { "data-field": "report" }, reportCell(t)),
  );
}

function alert(id, count, text, link) {
  const attrs = { id, class: count ? "alert act" : "alert calm" };
  return h("li", attrs, h("a", { href: link }, text));
}

/** The reports the office returned, handed in once and not late for it: each waits for its
 * leader to hand it in again. The line leads to the one returned longest ago. */
function returnedAlert(returned) {
  if (!returned.length) return alert("alert-returned-reports", 0, "没有已退回待重交的季度报告", "#reports");
  const names = returned.map((r) => `${r.team.name} ${r.period}`).join("、");
  const [first] = returned;
  return alert("alert-returned-reports", returned.length, `季度报告已退回待重交：${names}`,
    reportLink(first.team.id, first.period));
}

/** The count of reports waiting for a decision, leading to the one waiting longest. */
function awaitingAlert(waiting) {
  if (!waiting.length) return alert("alert-awaiting-reports", 0, "没有待审阅的季度报告", "#reports");
  const [first] = waiting;
  const text = `待办公室审阅的季度报告：${waiting.length} 份，先看${first.team.name} ${first.period}`;
  return alert("alert-awaiting-reports", waiting.length, text, reportLink(first.team.id, first.period));
}

function alerts(a) {
  return h(
    "ul",
    { class: "alerts" },
    alert("alert-inbox", a.inbox_unread, `收件箱未读消息：${a.inbox_unread} 条`, "#inbox"),
    alert(
      "alert-undelivered",
      a.undelivered,
      `未送达或发送失败的消息：${a.undelivered} 条`,
      "#inbox?tab=undelivered",
    ),
    alert(
      "alert-spot-checks",
      a.spot_checks_pending,
      `待记录结果的抽查：${a.spot_checks_pending} 条`,
      "#spot-checks",
    ),
    alert(
      "alert-late-reports",
      a.late_reports.length,
      a.late_reports.length
        ? `季度报告逾期未交：${a.late_reports.join("、")}`
        : "没有逾期未交的季度报告",
      "#reports",
    ),
    returnedAlert(a.reports_returned),
    awaitingAlert(a.reports_awaiting_decision),
    h("li", { id: "alert-register", class: "alert calm" }, "登记簿核验：正在核验…"),
  );
}

async function registerAlert(list) {
  const item = list.querySelector("#alert-register");
  try {
    const found = await api.get("/register/check");
    const n = found.problems.length;
    item.className = n ? "alert act" : "alert calm";
    const text = n ? `登记簿核验发现 ${n} 个问题，请查看` : "登记簿核验通过，未发现问题";
    fill(item, h("a", { href: "#check" }, text));
  } catch (error) {
    item.className = "alert act";
    fill(item, `登记簿核验未能完成：${error.message}`);
  }
}

/** When an unread inbox message tells of an urgent notice sent in the quiet hours, a link
 * to the teams' urgent notices (队伍通知); nothing when there is none or the inbox fails. */
async function urgentAlert(list, unread) {
  if (!unread) return;
  let n = 0;
  try {
    const page = await api.get("/office/inbox?unread=true&limit=100");
    n = page.items.filter((m) => m.kind === "broadcast_urgent_quiet").length;
  } catch (error) {
    return; // the inbox alert above still counts it
  }
  if (!n || !list.isConnected) return;
  const text = `免打扰时段发出的紧急通知：${n} 条未读，查看各队紧急通知`;
  list.append(alert("alert-urgent-notices", n, text, "#broadcasts?urgent=true"));
}

async function render(root) {
  const o = await api.get("/office/overview");
  const list = alerts(o.alerts);
  const headings = [
    "服务队",
    "结对社区",
    "队长",
    "在册队员",
    "本季度服务（次）",
    "本季度时长（小时）",
    "待队长审核",
    "待办公室审核",
    "其中存疑",
    `${o.report_period} 季度报告`,
  ];
  const rows = o.teams.map(teamRow);
  fill(
    root,
    h("h2", {}, "总览"),
    h("p", { class: "hint" }, `今天 ${o.today}；本季度 ${o.period}，统计口径与季度报告相同。`),
    h("h3", {}, "需要办公室处理"),
    list,
    o.alerts.reports_awaiting_decision.length ? h("h3", {}, "待审阅的季度报告（队长已提交）") : null,
    awaitingReports(o.alerts.reports_awaiting_decision),
    h("h3", {}, "各服务队"),
    rows.length ? table(headings, rows, { id: "teams" }) : h("p", { class: "state empty" }, "还没有服务队，请先导入名册。"),
  );
  registerAlert(list);
  urgentAlert(list, o.alerts.inbox_unread);
}

export default { title: "总览", render };
