// 批量打印评价卡 (in 居民意见): the clerk picks which cards (all, one team, one kind, the
// activities of some days) and downloads them as one A4 PDF to print, six a page with dashed
// lines to cut along, or as a ZIP of the PNGs. The API chooses and lays out the cards.

import * as api from "./api.js";
import { h, fill, loading, failed, done } from "./dom.js";

const KINDS = [
  ["", "全部（服务队、结对党员、活动）"],
  ["member", "只要结对党员的"],
  ["team", "只要服务队的"],
  ["activity", "只要活动的"],
];
const FORMATS = { pdf: "下载 PDF（A4，每页 6 张）", zip: "下载 PNG 压缩包" };

function select(id, name, options) {
  return h(
    "select",
    { id, name },
    options.map(([value, text]) => h("option", { value }, text)),
  );
}

function field(label, control) {
  return h("label", {}, label, control);
}

/** What the form asks for, as the API's query (empty fields left out). */
function pickOf(form) {
  const data = new FormData(form);
  return api.query({
    kind: data.get("kind"),
    team_id: data.get("team_id"),
    from: data.get("from"),
    to: data.get("to"),
  });
}

async function downloadCards(form, format, status) {
  fill(status, loading("正在生成评价卡，卡片多时需要十几秒…"));
  try {
    const name = await api.download(`/office/feedback/cards.${format}${pickOf(form)}`, `评价卡.${format}`);
    fill(status, done(`已下载：${name}`));
  } catch (error) {
    fill(status, failed(error));
  }
}

export function cardPrintPanel(teams) {
  const status = h("div", { id: "cards-status" });
  const form = h(
    "form",
    { class: "filters", id: "cards-form" },
    field("服务队", select("cards-team", "team_id", [["", "全部服务队"], ...teams.map((t) => [t.id, t.name])])),
    field("哪些卡", select("cards-kind", "kind", KINDS)),
    field("活动日期起", h("input", { type: "date", name: "from", id: "cards-from" })),
    field("至", h("input", { type: "date", name: "to", id: "cards-to" })),
    Object.entries(FORMATS).map(([format, text], index) =>
      h(
        "button",
        {
          type: "button",
          class: index === 0 ? "primary" : "",
          id: `cards-${format}`,
          onclick: () => downloadCards(form, format, status),
        },
        text,
      ),
    ),
  );
  form.addEventListener("submit", (event) => event.preventDefault());
  return h(
    "details",
    { class: "card qr-panel", id: "cards-panel" },
    h("summary", {}, "批量打印评价卡（A4 PDF，沿虚线裁开后分发）"),
    h(
      "p",
      { class: "hint" },
      "结对党员的卡只给在岗且已结对的党员；活动日期不填时为今天及以后的活动，已取消的活动不出卡。" +
        "虚线框外印有全名，供分发时核对；卡片上只写“王同志”。打印时请选“实际大小”，一次最多 120 张。",
    ),
    form,
    status,
  );
}
