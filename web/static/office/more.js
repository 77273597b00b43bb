// 「更多」: a list the API pages (items, total, limit, offset) shown a page at a time, each
// next page added below what is shown, so the office reaches older items without losing the
// cards it has open. An item the office moves out of the list (a message marked read on
// 未读, a spot check given a result on 待记录结果) stays on screen but no longer counts in
// the API's offsets: it is told with left(), so the next page skips none. An item already
// shown is never added twice (one that arrived meanwhile pushes the rest down).

import * as api from "./api.js";
import { h, fill, failed } from "./dom.js";

export const PAGE = 50;

/** A paged list: `first()` loads page one into `into` (false when the list is empty),
 * `footer` holds the count and the 更多 button. */
export function pagedList({ path, params = {}, into, item }) {
  const seen = new Set();
  let offset = 0;
  let total = 0;
  const info = h("span", { class: "hint more-info" });
  const status = h("span", {});
  const button = h("button", { type: "button", class: "more", onclick: () => next() }, "更多");
  const footer = h("div", { class: "more-bar" }, info, button, status);

  function update() {
    const shown = Math.min(offset, total);
    info.textContent = shown < total ? `共 ${total} 条，已显示 ${shown} 条` : `共 ${total} 条，已全部显示`;
    button.hidden = shown >= total;
  }

  async function load() {
    const page = await api.get(path + api.query({ ...params, limit: PAGE, offset }));
    offset += page.items.length;
    total = page.items.length ? page.total : offset; // nothing more came: that is the end
    for (const one of page.items) {
      if (seen.has(one.id)) continue;
      seen.add(one.id);
      into.append(item(one));
    }
    update();
  }

  async function next() {
    button.disabled = true;
    fill(status, " 正在加载…");
    try {
      await load();
      fill(status);
    } catch (error) {
      fill(status, failed(error));
    } finally {
      button.disabled = false;
    }
  }

  return {
    footer,
    async first() {
      await load();
      return total > 0;
    },
    left() {
      offset = Math.max(0, offset - 1);
      total = Math.max(0, total - 1);
      update();
    },
  };
}
