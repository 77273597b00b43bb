// 日常抽查: the sampled entries, pending first by default, with the verdict and a note; a
// page at a time, older ones on 「更多」.
// The rules (a problem needs a note, changing a result needs one too) are the API's: its
// refusals are shown as it words them.

import * as api from "./api.js";
import { h, fill, when, loading, empty, failed, done, today } from "./dom.js";
import { pagedList } from "./more.js";
import { verdictForm } from "./verdict.js";

// Which checks the list shows, behind its own 查看： label and never worded as a card's
// result buttons (抽查无误 / 发现问题): a clerk once clicked a filter meaning to record a result.
const SHOWN = [
  ["pending", "待记录结果"],
  ["today", "今日抽取"],
  ["", "全部"],
  ["confirmed", "已查无误的"],
  ["problem", "已查有问题的"],
];

const EMPTY = { pending: "没有待记录结果的抽查。", today: "今天还没有抽取记录（每天 8:00 抽取）。" };

function tabs(current, ctx) {
  return h(
    "div",
    { class: "tabs", role: "group", "aria-labelledby": "spot-check-shown" },
    h("span", { class: "tabs-label", id: "spot-check-shown" }, "查看："),
    SHOWN.map(([result, text]) =>
      h(
        "button",
        {
          type: "button",
          class: result === current ? "tab active" : "tab",
          "data-result": result || "all",
          onclick: () => ctx.go(`#spot-checks?result=${result || "all"}`),
        },
        text,
      ),
    ),
  );
}

function history(check) {
  if (check.history.length < 2) return null;
  return h(
    "details",
    {},
    h("summary", {}, `历次结果（${check.history.length}）`),
    h(
      "ul",
      {},
      check.history.map((line) =>
        h("li", {}, `${when(line.recorded_at)} ${line.recorded_by ? line.recorded_by.name : ""}：${line.result_name}${line.note ? "，" + line.note : ""}`),
      ),
    ),
  );
}

function checkVerdict(check, card, moved) {
  return verdictForm({
    note: { name: "note", maxlength: 500, placeholder: "说明（发现问题时必填）" },
    choices: [
      { value: "confirmed", label: "抽查无误", class: "primary", "data-verdict": "confirmed" },
      { value: "problem", label: "发现问题", class: "danger", "data-verdict": "problem" },
    ],
    send: (result, note) => api.post(`/office/spot-checks/${check.id}`, { result, note: note || undefined }),
    saved: (saved) => {
      card.replaceWith(checkCard(saved, done(`已记录：${saved.result_name}`), moved));
      moved(check, saved);
    },
  });
}

function checkCard(check, message, moved) {
  const r = check.record;
  const card = h("article", { class: "card spot-check", "data-spot-check-id": check.id });
  const by = check.checked_by ? `${check.checked_by.name} ${when(check.checked_at)}` : "";
  fill(
    card,
    h("h3", {}, h("a", { href: `#record/${r.id}` }, r.label)),
    h(
      "p",
      { class: "meta" },
      `抽查日期 ${check.sampled_on} · ${r.team || ""} · 记录状态 ${r.status_name} · `,
      h("span", { class: `tag result-${check.result}`, "data-field": "result" }, check.result_name),
      by ? ` · ${by}` : "",
    ),
    check.note ? h("p", { class: "note" }, `说明：${check.note}`) : null,
    history(check),
    message || null,
    checkVerdict(check, card, moved),
  );
  return card;
}

async function render(root, ctx) {
  const asked = ctx.params.get("result") || "pending";
  const result = asked === "all" ? "" : asked;
  const day = result === "today" ? today() : "";
  const list = h("div", { id: "spot-check-list" }, loading());
  fill(root, h("h2", {}, "日常抽查"), h("p", { class: "hint" }, "每天 8:00 从前一天已核验的记录中随机抽取。"), tabs(result, ctx), list);
  const filters = day ? { from: day, to: day } : { result };
  const cards = h("div", { id: "spot-checks" });
  // A result recorded on a tab of one result moves the check out of that tab's list.
  const moved = (before, after) => {
    if (filters.result && before.result === filters.result && after.result !== filters.result) paged.left();
  };
  const paged = pagedList({ path: "/office/spot-checks", params: filters, into: cards, item: (c) => checkCard(c, null, moved) });
  try {
    const any = await paged.first();
    fill(list, any ? [cards, paged.footer] : empty(EMPTY[result] || "没有抽查记录。"));
  } catch (error) {
    fill(list, failed(error));
  }
}

export default { title: "日常抽查", render };
