// One register entry (#record/12): its fields as the office reads them (in the words of the
// register's Excel file), its photos through signed links fetched afresh when opened, the
// register check, the office's review (核验通过 / 不通过) and its whole history, worded as
// the entry is (the API's changes_shown).

import * as api from "./api.js";
import { h, fill, when, table, facts, empty, failed, loading } from "./dom.js";
import { verdictForm } from "./verdict.js";

const ROLES = { member: "党员", leader: "队长", office: "办公室", system: "系统" };
// What a distance is measured from, by the entry's kind: a visit's place is the household.
const DISTANCE_LABELS = { visit: "距结对家庭" };

function changes(line) {
  const shown = line.changes_shown || [];
  if (!shown.length) return "—";
  return h(
    "ul",
    { class: "changes" },
    shown.map((c) => h("li", { "data-field": c.field }, `${c.label}：${c.before} → ${c.after}`)),
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

/** The photo shown over the page from a link fetched now: a signed link expires (~15 min),
 * and an expired one opened in a tab shows the API's raw JSON error. */
async function showPhoto(recordId, photoId) {
  const viewer = h("div", { class: "lightbox", id: "photo-view", role: "dialog" }, loading("正在打开照片…"));
  const close = () => viewer.remove();
  viewer.addEventListener("click", (event) => event.target === viewer && close());
  document.body.append(viewer);
  const closer = h("button", { type: "button", class: "close", onclick: close }, "关闭");
  try {
    const fresh = await api.get(`/records/${encodeURIComponent(recordId)}`);
    const photo = fresh.photos.find((p) => p.id === photoId);
    if (!photo) throw new api.ApiError(404, "not_found", "这张照片已不在记录中，请刷新页面。");
    fill(viewer, h("img", { src: photo.url, alt: `照片 ${photo.id}` }), closer);
  } catch (error) {
    fill(viewer, h("div", { class: "card" }, failed(error), closer));
  }
}

function photos(r) {
  if (!r.photos.length) return empty("没有照片。");
  return h(
    "div",
    { class: "photos" },
    r.photos.map((p) =>
      h(
        "a",
        {
          href: p.url,
          "data-photo-id": p.id,
          onclick: (event) => {
            event.preventDefault();
            showPhoto(r.id, p.id);
          },
        },
        h("img", { src: p.thumb_url, alt: `照片 ${p.id}`, class: "thumb" }),
      ),
    ),
  );
}

function check(r) {
  const c = r.register_check;
  if (!c) return "—";
  return c.ok
    ? h("span", { class: "tag ok" }, "通过")
    : h("span", { class: "tag late" }, `未通过：${c.problem}`);
}

/** 核验通过 / 不通过 with a comment (required to reject): the API's refusals in its words. */
function reviewForm(r, onDone) {
  const waiting = r.awaiting_review_by
    ? `这条记录${r.status_name}。`
    : `这条记录${r.status_name}；办公室可以改变审核结论。`;
  return verdictForm({
    attrs: { id: "review" },
    hint: h("p", { class: "hint" }, waiting),
    note: { id: "review-comment", maxlength: 500, placeholder: "审核意见（不通过时必填）" },
    statusAttrs: { id: "review-status" },
    choices: [
      { value: "verify", label: "核验通过", class: "primary", id: "review-verify" },
      { value: "reject", label: "不通过", class: "danger", id: "review-reject" },
    ],
    saving: "正在提交…",
    send: (decision, comment) => api.post(`/records/${r.id}/review`, { decision, comment }),
    saved: (answer, decision) => onDone(answer, decision === "verify" ? "已核验通过。" : "已记为不通过。"),
  });
}

function draw(root, r, note) {
  const distance = r.location.distance_m === null ? "—" : `${Math.round(r.location.distance_m)} 米`;
  const redraw = (answer, text) => draw(root, answer, text);
  fill(
    root,
    h("p", {}, h("button", { type: "button", id: "back", onclick: () => history.back() }, "← 返回")),
    h("h2", {}, `登记记录 #${r.id}`),
    note ? h("p", { class: "notice ok", role: "status", id: "review-done" }, note) : null,
    facts([
      ["党员", r.member.name],
      ["类型", r.kind_name],
      ["活动/对象", h("span", { id: "record-served" }, r.served || "—")],
      ["签到时间", when(r.checkin_at)],
      ["签退时间", when(r.checkout_at)],
      ["服务时长", r.duration_minutes === null ? "—" : `${r.duration_minutes} 分钟`],
      [DISTANCE_LABELS[r.kind] || "距服务地点", h("span", { id: "record-distance" }, distance)],
      ["服务内容", r.content || "—"],
      ["服务对象", r.target || "—"],
      ["取得成效", r.outcome || "—"],
      ["状态", h("span", { id: "record-status", class: `tag status-${r.status}` }, r.status_name)],
      ["异常原因", r.flag_names.join("；") || "—"],
      ["登记方式", h("span", { id: "record-registration" }, r.registration_name)],
      ["审核意见", r.review_comment || "—"],
      ["计入时长", r.counts_toward_hours ? "是" : "否"],
      ["登记核验", check(r)],
    ]),
    h("h3", {}, "审核"),
    reviewForm(r, redraw),
    h("h3", {}, "照片"),
    photos(r),
    h("h3", {}, "修改历史"),
    historyTable(r.history),
  );
}

async function render(root, ctx) {
  draw(root, await api.get(`/records/${encodeURIComponent(ctx.id)}`));
}

export default { title: "登记记录", nav: "register", render };
