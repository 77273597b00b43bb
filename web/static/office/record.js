// One register entry (#record/12): its fields as the office reads them, its photos through
// the signed links the API hands out, the register check, and its whole history.

import * as api from "./api.js";
import { h, fill, when, table, facts, empty, NAMES } from "./dom.js";

const ROLES = { member: "党员", leader: "队长", office: "办公室", system: "系统" };

/** A history value as people read it: times, statuses, flags and kinds in words. */
function shown(field, value) {
  if (value === null || value === undefined || value === "") return "（空）";
  if (field === "status") return NAMES.statuses[value] || value;
  if (field === "kind") return NAMES.kinds[value] || value;
  if (field === "source") return NAMES.sources[value] || value;
  if (field === "flags") {
    return value.length ? value.map((f) => NAMES.flags[f] || f).join("、") : "（无）";
  }
  if (field.endsWith("_at") && typeof value === "string") return when(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function changes(line) {
  const entries = Object.entries(line.changes);
  if (!entries.length) return "—";
  return h(
    "ul",
    { class: "changes" },
    entries.map(([field, [before, after]]) =>
      h("li", {}, `${NAMES.fields[field] || field}：${shown(field, before)} → ${shown(field, after)}`),
    ),
  );
}

function historyTable(lines) {
  if (!lines.length) return empty("这条记录没有登记历史。");
  const rows = lines.map((line) =>
    h(
      "tr",
      { "data-seq": line.seq },
      h("td", { class: "num" }, String(line.seq)),
      h("td", {}, when(line.at)),
      h("td", {}, `${line.actor}（${ROLES[line.actor_role] || line.actor_role}）`),
      h("td", {}, line.action_name),
      h("td", {}, changes(line)),
      h("td", {}, line.reason || "—"),
    ),
  );
  return table(["序号", "时间", "操作人", "操作", "修改内容", "原因"], rows, { id: "history" });
}

function photos(list) {
  if (!list.length) return empty("没有照片。");
  return h(
    "div",
    { class: "photos" },
    list.map((p) =>
      h(
        "a",
        { href: p.url, target: "_blank", rel: "noopener" },
        h("img", { src: p.thumb_url, alt: `照片 ${p.id}`, class: "thumb" }),
      ),
    ),
  );
}

function registration(r) {
  if (!r.registered_by) return NAMES.sources[r.source] || r.source;
  return `队长${r.registered_by.name}代为登记：${r.registration_reason || "—"}`;
}

function check(r) {
  const c = r.register_check;
  if (!c) return "—";
  return c.ok
    ? h("span", { class: "tag ok" }, "通过")
    : h("span", { class: "tag late" }, `未通过：${c.problem}`);
}

async function render(root, ctx) {
  const r = await api.get(`/records/${encodeURIComponent(ctx.id)}`);
  const distance = r.location.distance_m === null ? "—" : `${Math.round(r.location.distance_m)} 米`;
  fill(
    root,
    h("p", {}, h("button", { type: "button", id: "back", onclick: () => history.back() }, "← 返回")),
    h("h2", {}, `登记记录 #${r.id}`),
    facts([
      ["党员", r.member.name],
      ["类型", r.kind_name],
      ["活动", r.activity ? r.activity.title : "—"],
      ["签到时间", when(r.checkin_at)],
      ["签退时间", when(r.checkout_at)],
      ["服务时长", r.duration_minutes === null ? "—" : `${r.duration_minutes} 分钟`],
      ["距服务地点", distance],
      ["服务内容", r.content || "—"],
      ["服务对象", r.target || "—"],
      ["取得成效", r.outcome || "—"],
      ["状态", h("span", { id: "record-status", class: `tag status-${r.status}` }, r.status_name)],
      ["异常原因", r.flag_names.join("；") || "—"],
      ["登记方式", registration(r)],
      ["审核意见", r.review_comment || "—"],
      ["计入时长", r.counts_toward_hours ? "是" : "否"],
      ["登记核验", check(r)],
    ]),
    h("h3", {}, "照片"),
    photos(r.photos),
    h("h3", {}, "修改历史"),
    historyTable(r.history),
  );
}

export default { title: "登记记录", nav: "register", render };
