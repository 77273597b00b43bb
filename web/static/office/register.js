// 登记簿: the register with filters kept in the address (#register?team_id=1&status=flagged),
// paged; a row opens the entry (#record/12); the same filters export to Excel.

import * as api from "./api.js";
import { h, fill, when, table, loading, empty, failed, done, NAMES } from "./dom.js";

const PAGE = 20;
const FILTERS = ["team_id", "member_id", "status", "awaiting_review_by", "kind", "from", "to"];
// The 状态 choice: a status, or whose review an entry waits for (the API's
// awaiting_review_by, as the overview counts them), kept in the address as the API reads it.
const AWAITING = "awaiting:";
const STATUS_CHOICES = [
  [`${AWAITING}office`, "待办公室审核"],
  [`${AWAITING}leader`, "待队长审核"],
  ["flagged", "存疑待审核"],
  ["pending", "待审核（无疑点）"],
  ["verified", "已核验"],
  ["rejected", "未通过"],
];

/** The 状态 choice the address asks for. */
function statusChoice(params) {
  const waiting = params.get("awaiting_review_by");
  return waiting ? AWAITING + waiting : params.get("status");
}

function choice(name, label, options, selected) {
  return h(
    "label",
    {},
    label,
    h(
      "select",
      { name, id: `filter-${name}` },
      h("option", { value: "" }, "全部"),
      options.map(([value, text]) =>
        h("option", { value, selected: String(value) === selected }, text),
      ),
    ),
  );
}

function dateInput(name, label, value) {
  return h("label", {}, label, h("input", { type: "date", name, id: `filter-${name}`, value }));
}

/** The team's members to filter by: the current ones, then those who left (their entries
 * stay in the register), marked so. */
async function memberOptions(teamId) {
  if (!teamId) return [];
  const members = await api.get(`/team/members${api.query({ team_id: teamId, with_left: "true" })}`);
  return members.members.map((m) => [m.id, m.active ? m.name : `${m.name}（已离队）`]);
}

/** The member choices of the team just picked (none without a team). */
async function reloadMembers(select, teamId) {
  const options = [h("option", { value: "" }, "全部")];
  select.disabled = true;
  try {
    for (const [value, text] of await memberOptions(teamId)) {
      options.push(h("option", { value }, text));
    }
  } catch (error) {
    options[0].textContent = `全部（${error.message}）`;
  }
  select.replaceChildren(...options);
  select.disabled = false;
}

function filtersOf(form) {
  const data = new FormData(form);
  const filters = Object.fromEntries(FILTERS.map((name) => [name, data.get(name) || ""]));
  if (filters.status.startsWith(AWAITING)) {
    filters.awaiting_review_by = filters.status.slice(AWAITING.length);
    filters.status = "";
  }
  return filters;
}

function filterForm(params, teams, members, ctx, status) {
  const form = h(
    "form",
    { class: "filters", id: "register-filters" },
    choice("team_id", "服务队", teams.map((t) => [t.id, t.name]), params.get("team_id")),
    choice("member_id", "党员", members, params.get("member_id")),
    choice("status", "状态", STATUS_CHOICES, statusChoice(params)),
    choice("kind", "类型", Object.entries(NAMES.kinds), params.get("kind")),
    dateInput("from", "签到日期起", params.get("from") || ""),
    dateInput("to", "至", params.get("to") || ""),
    h("button", { type: "submit", class: "primary", id: "filter-apply" }, "查询"),
    h("button", { type: "button", id: "filter-clear", onclick: () => ctx.go("#register") }, "清除条件"),
    h("button", { type: "button", id: "export", onclick: () => exportFile(form, status) }, "导出 Excel"),
  );
  form.team_id.addEventListener("change", () => reloadMembers(form.member_id, form.team_id.value));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const filters = filtersOf(form);
    if (!filters.team_id) filters.member_id = "";
    ctx.go("#register" + api.query(filters));
  });
  return form;
}

async function exportFile(form, status) {
  fill(status, loading("正在生成 Excel 文件…"));
  try {
    const name = await api.download(`/records/export.xlsx${api.query(filtersOf(form))}`, "登记簿.xlsx");
    fill(status, done(`已下载：${name}`));
  } catch (error) {
    fill(status, failed(error));
  }
}

function row(r) {
  const what = r.served || "—";
  return h(
    "tr",
    { "data-record-id": r.id, class: "link-row" },
    h("td", {}, h("a", { href: `#record/${r.id}` }, `#${r.id}`)),
    h("td", {}, when(r.checkin_at)),
    h("td", {}, r.member.name),
    h("td", {}, r.kind_name),
    h("td", {}, what),
    h("td", { class: "num" }, r.duration_minutes ?? "—"),
    h("td", {}, h("span", { class: `tag status-${r.status}` }, r.status_name)),
    h("td", {}, r.flag_names.join("；") || "—"),
  );
}

function pager(params, total, ctx) {
  const offset = Number(params.get("offset") || 0);
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const page = Math.floor(offset / PAGE) + 1;
  const to = (newOffset) => {
    const next = new URLSearchParams(params);
    next.set("offset", String(newOffset));
    return () => ctx.go("#register?" + next.toString());
  };
  const info = page > pages ? `共 ${total} 条，没有第 ${page} 页` : `共 ${total} 条，第 ${page} / ${pages} 页`;
  return h(
    "div",
    { class: "pager" },
    h("button", { type: "button", id: "page-prev", disabled: page <= 1, onclick: to(Math.min(offset - PAGE, (pages - 1) * PAGE)) }, "上一页"),
    h("span", { id: "page-info" }, info),
    h("button", { type: "button", id: "page-next", disabled: page >= pages, onclick: to(offset + PAGE) }, "下一页"),
  );
}

/** The first page's address when the asked one is past the end (an old link, a shrunk list). */
function firstPage(params) {
  const next = new URLSearchParams(params);
  next.delete("offset");
  const rest = next.toString();
  return "#register" + (rest ? "?" + rest : "");
}

async function render(root, ctx) {
  const params = ctx.params;
  const [teams, members] = await Promise.all([ctx.teams(), memberOptions(params.get("team_id"))]);
  const status = h("div", { id: "register-status" });
  const listing = h("div", { id: "register-list" }, loading());
  fill(root, h("h2", {}, "登记簿"), filterForm(params, teams, members, ctx, status), status, listing);
  const asked = Object.fromEntries(FILTERS.map((name) => [name, params.get(name)]));
  let page;
  try {
    page = await api.get(
      `/records${api.query({ ...asked, limit: PAGE, offset: params.get("offset") || 0 })}`,
    );
  } catch (error) {
    fill(listing, failed(error));
    return;
  }
  const headings = ["编号", "签到时间", "党员", "类型", "活动/对象", "时长（分钟）", "状态", "异常原因"];
  const beyond = !page.items.length && page.total > 0;
  fill(
    listing,
    page.items.length
      ? table(headings, page.items.map(row), { id: "records" })
      : beyond
        ? h(
            "p",
            { class: "state empty", id: "past-the-end" },
            "这一页没有记录。",
            h("a", { href: firstPage(params) }, "回到第一页"),
          )
        : empty("没有符合条件的登记记录。"),
    pager(params, page.total, ctx),
  );
}

export default { title: "登记簿", render };
