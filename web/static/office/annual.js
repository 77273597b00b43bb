// 年度考核: a year's members, a table per team, with the year's figures and the suggested
// grade (and why); per member a grade, 表彰, a note and 保存; the Excel file (年度考核 and
// 表彰名单 sheets); and 定稿, after a confirmation, once every member has a grade. The rules
// are the API's: its refusals (another clerk saved first, the year already final) are shown
// as it words them. The year, team and 只看未确定 live in the address
// (#annual?year=2026&team_id=1&undecided=1). Edits not yet saved are kept aside in the tab as
// they are typed (drafts.js), so that a login that ends meanwhile loses none of them: after
// logging in again they are back, marked 未保存, and the page says how many.

import * as api from "./api.js";
import { h, fill, when, hours, loading, empty, failed, done, today } from "./dom.js";
import { draftsOf } from "./drafts.js";

const VIEW = "annual";
const YEARS_BACK = 5;
const KINDS = [
  ["centralised", "集中活动"],
  ["visit", "结对走访"],
  ["individual", "分散活动"],
  ["adhoc", "临时任务"],
];
const COMMENDABLE = new Set(["excellent", "pass"]);
// Narrow figure columns (the headings wrap) so that on a 1366-px screen the decision and 保存
// stay in view without scrolling sideways.
const HEADINGS = ["姓名", "服务时长（小时）", ...KINDS.map(([, n]) => n), "入户走访", "被退回",
  "居民评价", "建议等次及理由", "考核等次", "表彰", "备注", ""];
const UNSAVED = "未保存";
// What a figure counts, where its heading alone could be read two ways: shown when the
// pointer rests on the heading, and said once under the tables (the Excel file has them on
// its 说明 sheet, services/annual_export.py).
const COUNTED = "已签退并填写完整（未通过的除外）";
const HEADING_TITLES = {
  结对走访: `计入服务时长的走访登记：${COUNTED}`,
  入户走访: "每次走访签到算一次（未通过的除外），不论是否已签退、填写完整；括号里是有走访的月数",
};
const VISITS_HINT = `结对走访只计${COUNTED}的走访登记；入户走访每次走访签到都算，`
  + "括号里是有走访的月数。所以刚签到、还没填写的走访，结对走访是 0，入户走访是 1。";

/** The year the clerk most likely assesses: last year until the end of March, else this one. */
function defaultYear() {
  const [year, month] = today().split("-").map(Number);
  return month <= 3 ? year - 1 : year;
}

function years() {
  const now = Number(today().slice(0, 4));
  return Array.from({ length: YEARS_BACK }, (_, i) => now - i);
}

function ratings(r) {
  return r.count ? `${r.count} 条，平均 ${Number(r.average).toFixed(1)} 分` : "暂无";
}

/** The member's row: figures, suggestion, and the decision form (read-only once final). A
 * row typed in but not saved says 未保存 until it is saved (the view asks before it is left),
 * and is kept aside meanwhile; `draft`, an edit kept from before, is typed in again. */
function memberRow(page, line, draft) {
  const { year, listing, drafts } = page;
  const d = line.decision;
  let version = d ? d.version : 0;
  const final = listing.final;
  const grade = h(
    "select",
    { name: "grade", disabled: final, "aria-label": "考核等次" },
    listing.grades.map((g) =>
      h("option", { value: g.grade, selected: g.grade === (d ? d.grade : line.suggestion.grade) }, g.name),
    ),
  );
  const commended = h("input", {
    type: "checkbox",
    name: "commended",
    "aria-label": "表彰",
    checked: Boolean(d && d.commended),
  });
  const note = h("input", {
    type: "text", name: "note", maxlength: 200, value: d ? d.note : "", disabled: final, "aria-label": "备注",
  });
  const status = h("span", { class: "row-status", "data-field": "saved" }, d ? savedText(d) : "未确定");
  const save = h("button", { type: "button", class: "primary save", disabled: final }, "保存");
  const m = line;
  const row = h(
    "tr",
    { "data-member-id": m.member.id, class: d ? "decided" : "undecided" },
    h("td", {}, h("div", { class: "name" }, m.member.name),
      h("div", { class: "hint", "data-field": "roster" }, m.roster.name)),
    h("td", { class: "num", "data-field": "hours" }, hours(m.hours)),
    KINDS.map(([k]) => h("td", { class: "num", "data-field": `services-${k}` }, String(m.services[k]))),
    h("td", { class: "num", "data-field": "visits" }, `${m.visits} 次（${m.visit_months} 个月）`),
    h("td", { class: "num", "data-field": "rejected" }, String(m.rejected)),
    h("td", { class: "ratings" }, ratings(m.ratings)),
    h(
      "td",
      { "data-field": "suggestion" },
      h("strong", {}, m.suggestion.grade_name),
      h("div", { class: "hint reason" }, m.suggestion.reason),
    ),
    h("td", {}, grade),
    h("td", { class: "check" }, commended),
    h("td", {}, note),
    h("td", { class: "actions" }, final ? null : save, status),
  );
  const saved = () => [grade.value, commended.checked, note.value].join("\u0000");
  let kept = saved();
  // The version the edit was typed against: a restored edit keeps its own, so a decision
  // saved since is named again at every restore, until this clerk saves.
  let base = version;
  const rebase = (v) => (base = v);
  // Kept aside under that version, dropped once it matches what is saved.
  const remember = () => {
    if (saved() === kept) drafts.drop(m.member.id);
    else drafts.put(m.member.id, { grade: grade.value, commended: commended.checked, note: note.value, expected: base });
  };
  const edited = () => {
    if (!final) remember();
    const unsaved = saved() !== kept;
    if (unsaved === row.classList.contains("unsaved")) return;
    row.classList.toggle("unsaved", unsaved);
    fill(status, unsaved ? h("strong", { class: "unsaved-mark" }, UNSAVED) : (d ? savedText(d) : "未确定"));
  };
  const canCommend = () => {
    commended.disabled = final || !COMMENDABLE.has(grade.value);
    if (commended.disabled && !final) commended.checked = false;
  };
  grade.addEventListener("change", canCommend);
  canCommend();
  kept = saved();
  for (const field of [grade, commended, note]) {
    field.addEventListener("input", edited);
    field.addEventListener("change", edited);
  }
  save.addEventListener("click", async () => {
    const fields = [grade, commended, note, save];
    const wasDisabled = fields.map((f) => f.disabled);
    fields.forEach((f) => (f.disabled = true));
    fill(status, "正在保存…");
    const sent = saved();
    const body = { grade: grade.value, commended: commended.checked, note: note.value, expected: version };
    try {
      const answer = await api.post(`/office/annual/${year}/members/${line.member.id}`, body);
      version = base = answer.version;
      kept = sent;
      row.classList.remove("unsaved", "undecided");
      row.classList.add("decided");
      row.dispatchEvent(new CustomEvent("annual-saved", { bubbles: true }));
      fill(status, done(`已保存：${savedText(answer)}`));
    } catch (error) {
      fill(status, h("strong", { class: "unsaved-mark" }, UNSAVED), failed(error));
    } finally {
      fields.forEach((f, i) => (f.disabled = wasDisabled[i]));
      canCommend();
      if (saved() !== kept) row.classList.add("unsaved");
      remember();
    }
  });
  if (draft && !final) restore(draft, { grade, commended, note, status, row, canCommend, edited, rebase }, line, listing);
  return row;
}

/** Type a kept edit in again. Saved since by someone else: the row says what they decided,
 * so that saving over it is the clerk's choice made knowingly, not a silent overwrite. */
function restore(draft, f, line, listing) {
  if (listing.grades.some((g) => g.grade === draft.grade)) f.grade.value = draft.grade;
  f.canCommend();
  f.commended.checked = Boolean(draft.commended) && !f.commended.disabled;
  f.note.value = String(draft.note ?? "").slice(0, 200);
  f.rebase(draft.expected);
  f.edited();
  if (!f.row.classList.contains("unsaved")) return; // the same as saved: nothing to restore
  const d = line.decision;
  const changed = draft.expected !== (d ? d.version : 0);
  f.row.dataset.restored = changed ? "changed" : "same";
  if (changed) {
    f.status.append(h("div", { class: "hint", "data-field": "changed-since" },
      `其间已被其他人改为：${d ? savedText(d) : "未确定"}；保存将以您的修改为准。`));
  }
}

/** How many kept edits were typed in again, and of those how many someone saved over since. */
function restoredNotice(root) {
  const n = root.querySelectorAll("tr[data-restored]").length;
  if (!n) return null;
  const changed = root.querySelectorAll('tr[data-restored="changed"]').length;
  const since = changed ? `其中 ${changed} 条其间已被其他人修改，请先核对。` : "";
  return h("p", { class: "notice", role: "status", "data-field": "restored" },
    `已恢复 ${n} 条未保存的修改，表中标为“${UNSAVED}”，请核对后逐条保存。${since}`);
}

/** A final year takes no edits: the kept ones are dropped, and the page says so. */
function finalDrafts(drafts) {
  const ids = Object.keys(drafts.all());
  if (!ids.length) return null;
  drafts.drop(...ids);
  return h("p", { class: "notice", "data-field": "restored" },
    `该年度已定稿，${ids.length} 条未保存的修改不能再保存，已丢弃。`);
}

/** The question before edits typed on the page would be lost ("": none would). */
function unsavedQuestion(root) {
  const rows = root.querySelectorAll("tr.unsaved");
  if (!rows.length) return "";
  const names = [...rows].slice(0, 5).map((r) => r.querySelector(".name").textContent);
  const more = rows.length > 5 ? ` 等 ${rows.length} 人` : "";
  return `${names.join("、")}${more}的考核结果已修改但还没有保存，离开后修改将丢失。确定离开吗？`;
}

function savedText(d) {
  const by = d.decided_by ? `${d.decided_by} ` : "";
  return `${d.grade_name}${d.commended ? "，表彰" : ""}（${by}${when(d.decided_at)}）`;
}

function teamTable(page, team) {
  return h(
    "section",
    { class: "annual-team", "data-team-id": team.id },
    h("h3", {}, `${team.name}（${team.members.length} 人）`),
    team.members.length
      ? h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "annual" },
            h("thead", {}, h("tr", {}, HEADINGS.map((x) => h("th", { title: HEADING_TITLES[x] }, x)))),
            h("tbody", {}, team.members.map((line) => memberRow(page, line, page.kept[line.member.id]))),
          ),
        )
      : empty("这一年这个服务队没有队员。"),
  );
}

async function exportFile(year, teamId, status) {
  fill(status, loading("正在生成 Excel 文件…"));
  try {
    const path = `/office/annual/${year}/export.xlsx${api.query({ team_id: teamId })}`;
    fill(status, done(`已下载：${await api.download(path, `${year}年度考核.xlsx`)}`));
  } catch (error) {
    fill(status, failed(error));
  }
}

/** 定稿 asks once more on the page; before the year has ended, or while members are
 * undecided, the panel says why it cannot be done yet instead of offering it. */
function finalPanel(year, listing, ctx, here) {
  const box = h("div", { class: "final", id: "annual-final" });
  if (listing.final) {
    return fill(box, h("p", { class: "notice ok", "data-field": "final" },
      `${year} 年度考核已定稿（${listing.finalised_by || ""} ${when(listing.finalised_at)}），不能再修改。`));
  }
  if (!listing.year_over) {
    return fill(box, h("p", { class: "hint", "data-field": "not-yet" },
      `${year} 年还没有结束，年度考核要到次年（${year + 1} 年 1 月 1 日起）才能定稿。`));
  }
  const ask = () =>
    fill(
      box,
      h("p", { class: "notice" }, `定稿后 ${year} 年度的考核结果和表彰名单不能再修改。确定定稿吗？`),
      h("button", { type: "button", class: "primary", id: "annual-final-confirm", onclick: confirm }, "确认定稿"),
      h("button", { type: "button", id: "annual-final-cancel", onclick: start }, "取消"),
    );
  const confirm = async (event) => {
    for (const b of box.querySelectorAll("button")) b.disabled = true;
    event.target.textContent = "正在定稿…";
    try {
      await api.post(`/office/annual/${year}/final`);
      ctx.go(here);
    } catch (error) {
      start(failed(error));
    }
  };
  function start(message) {
    fill(
      box,
      h("button", { type: "button", class: "danger", id: "annual-final-start", onclick: () => ask() }, "定稿"),
      message instanceof Node ? message : null,
    );
  }
  start();
  return box;
}

function undecidedCount(listing) {
  return listing.teams.reduce((n, t) => n + t.members.filter((m) => !m.decision).length, 0);
}

async function render(root, ctx) {
  const year = Number(ctx.params.get("year")) || defaultYear();
  const teamId = ctx.params.get("team_id") || "";
  const teams = await ctx.teams();
  const drafts = draftsOf(VIEW, year);
  let discarded = false; // the clerk agreed to lose the unsaved edits
  const discard = () => {
    discarded = true;
    drafts.drop(...[...root.querySelectorAll("tr.unsaved")].map((r) => r.dataset.memberId));
  };
  ctx.onLeave(() => (discarded ? "" : unsavedQuestion(root)), discard);
  const undecidedOnly = h("input", { type: "checkbox", id: "annual-undecided", checked: ctx.params.get("undecided") === "1" });
  const address = (params) =>
    `#${VIEW}${api.query({ year, team_id: teamId, undecided: undecidedOnly.checked ? 1 : "", ...params })}`;
  const move = (event, params) => {
    const ask = unsavedQuestion(root);
    if (ask && !window.confirm(ask)) {
      event.target.value = { year, team_id: teamId }[Object.keys(params)[0]];
      return;
    }
    discard();
    ctx.go(address(params));
  };
  const yearSelect = h(
    "select",
    { id: "annual-year", onchange: (e) => move(e, { year: e.target.value }) },
    (years().includes(year) ? years() : [year, ...years()]).map((y) => h("option", { value: y, selected: y === year }, `${y} 年`)),
  );
  const teamSelect = h(
    "select",
    { id: "annual-team", onchange: (e) => move(e, { team_id: e.target.value }) },
    h("option", { value: "" }, "全部"),
    teams.map((t) => h("option", { value: t.id, selected: String(t.id) === teamId }, t.name)),
  );
  const status = h("div", { id: "annual-export-status" });
  const listing = h("div", { id: "annual-list", class: undecidedOnly.checked ? "undecided-only" : null }, loading());
  undecidedOnly.addEventListener("change", () => {
    listing.classList.toggle("undecided-only", undecidedOnly.checked);
    ctx.keep(address({}));
  });
  fill(
    root,
    h("h2", {}, "年度考核"),
    h("p", { class: "hint" }, "建议等次按设定的标准由系统给出，并写明理由，仅供参考；考核等次和表彰由办公室确定，逐人保存。"),
    h(
      "div",
      { class: "filters" },
      h("label", {}, "年度", yearSelect),
      h("label", {}, "服务队", teamSelect),
      h("label", { class: "inline" }, undecidedOnly, "只看未确定"),
      h("button", { type: "button", id: "annual-export", onclick: () => exportFile(year, teamId, status) }, "导出 Excel"),
    ),
    status,
    listing,
    h("p", { class: "hint", "data-field": "visits-hint" }, VISITS_HINT),
  );
  let body;
  try {
    body = await api.get(`/office/annual/${year}${api.query({ team_id: teamId })}`);
  } catch (error) {
    fill(listing, failed(error));
    return;
  }
  const left = h("p", { class: "hint", "data-field": "undecided" });
  const count = (n) =>
    fill(left, n ? `还有 ${n} 名党员没有确定考核等次（表中以黄色标出）。` : "全部党员都已确定考核等次。");
  count(undecidedCount(body));
  listing.addEventListener("annual-saved", () => count(listing.querySelectorAll("tr.undecided").length));
  const page = { year, listing: body, drafts, kept: body.final ? {} : drafts.all() };
  const tables = body.teams.map((t) => teamTable(page, t));
  const notice = body.final ? finalDrafts(drafts) : restoredNotice(h("div", {}, tables));
  fill(listing, finalPanel(year, body, ctx, address({})), notice, body.final ? null : left, tables);
}

export default { title: "年度考核", render };
