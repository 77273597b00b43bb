// 登记核验: every register entry checked against its signed history, as
// `python app.py register verify` does, with the findings in plain words.

import * as api from "./api.js";
import { h, fill, when, table, loading, failed } from "./dom.js";

function findings(result) {
  if (result.ok) {
    return h(
      "p",
      { class: "notice ok", id: "check-result" },
      `核验通过（${when(result.checked_at)}）：所有登记记录都与其登记历史一致，没有发现在系统之外被改动、删除或回退的记录。`,
    );
  }
  const rows = result.problems.map((p) =>
    h(
      "tr",
      {},
      h("td", {}, p.record_id ? h("a", { href: `#record/${p.record_id}` }, `#${p.record_id}`) : "—"),
      h("td", {}, p.description || (p.record_id ? "（记录已不在登记簿中）" : "登记簿检查点")),
      h("td", {}, p.problem),
    ),
  );
  return h(
    "div",
    { id: "check-result" },
    h(
      "p",
      { class: "notice error" },
      `核验发现 ${result.problems.length} 个问题（${when(result.checked_at)}）：下列记录或其登记历史在系统之外被改动过。请核实后处理；记录的审核或更正不会消除这一发现。`,
    ),
    table(["记录", "记录说明", "发现的问题"], rows, { id: "check-problems" }),
  );
}

async function run(out, button) {
  button.disabled = true;
  fill(out, loading("正在核验登记簿，记录较多时需要一些时间…"));
  try {
    fill(out, findings(await api.get("/register/check")));
  } catch (error) {
    fill(out, failed(error));
  } finally {
    button.disabled = false;
  }
}

async function render(root) {
  const out = h("div", {});
  const button = h("button", { type: "button", class: "primary", id: "run-check" }, "开始核验");
  button.addEventListener("click", () => run(out, button));
  fill(
    root,
    h("h2", {}, "登记核验"),
    h(
      "p",
      { class: "hint" },
      "逐条核对登记记录与其签名的修改历史，找出绕过系统直接改动、删除或回退的记录（与命令 register verify 相同）。",
    ),
    button,
    out,
  );
  run(out, button);
}

export default { title: "登记核验", render };
