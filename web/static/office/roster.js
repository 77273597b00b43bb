// 名单导入: the clerk downloads the template, fills it in Excel, chooses the file, 检查 (a dry
// run: every problem with its sheet, row and column, or what would change), then 导入. 导入 is
// enabled only after a clean check of the file chosen, and sends back the check's digest, so
// the API imports that very file or refuses (a file saved again since must be checked again).

import * as api from "./api.js";
import { h, fill, table, loading, failed, done } from "./dom.js";

const ACTIONS = { created: "新增", updated: "修改", withdrawn: "撤销" };
const PATH = "/office/roster/import";

function where(problem) {
  if (problem.column_letter && problem.column) return `${problem.column_letter} 列「${problem.column}」`;
  return problem.column || "—";
}

function problemTable(problems, heading, id) {
  const rows = problems.map((p) =>
    h(
      "tr",
      {},
      h("td", { "data-field": "sheet" }, p.sheet),
      h("td", { "data-field": "row" }, p.row ?? "—"),
      h("td", { "data-field": "column" }, where(p)),
      h("td", { "data-field": "message" }, p.message),
    ),
  );
  return table(["工作表", "行", "列", heading], rows, { id });
}

function countTable(counts) {
  const rows = counts.map((c) =>
    h("tr", {}, h("td", {}, c.sheet), h("td", {}, c.created), h("td", {}, c.updated), h("td", {}, c.unchanged)),
  );
  return table(["表", "新增", "修改", "未变"], rows, { id: "roster-counts" });
}

function changeTable(changes) {
  const rows = changes.map((c) =>
    h(
      "tr",
      {},
      h("td", { "data-field": "action" }, ACTIONS[c.action] || c.action),
      h("td", { "data-field": "label" }, c.label),
      h("td", { "data-field": "details" }, c.details.join("；") || "—"),
    ),
  );
  return table(["类型", "内容", "详情"], rows, { id: "roster-changes" });
}

function warnings(result) {
  if (!result.warnings.length) return null;
  return [h("h3", {}, `提醒（${result.warnings.length}，不影响导入）`), problemTable(result.warnings, "提醒", "roster-warnings")];
}

function changes(result) {
  if (!result.changes.length) return null;
  return [h("h3", {}, `变更明细（${result.changes.length}）`), changeTable(result.changes)];
}

/** What a check or an import answered, drawn as text. */
function outcome(result) {
  if (result.errors.length) {
    return [
      h(
        "p",
        { class: "notice error", role: "alert", id: "roster-verdict" },
        `发现 ${result.errors.length} 个错误，没有导入任何数据。请在 Excel 中按下表改正、保存后，重新选择文件并检查。`,
      ),
      problemTable(result.errors, "问题", "roster-problems"),
      warnings(result),
    ];
  }
  const verdict = result.applied
    ? done(result.verdict)
    : h("p", { class: "notice ok", role: "status" }, `检查通过，没有错误。${result.verdict}确认无误后请点“导入”。`);
  verdict.id = "roster-verdict";
  return [verdict, countTable(result.counts), changes(result), warnings(result)];
}

function form(file, dryRun, digest) {
  const data = new FormData();
  data.append("file", file, file.name);
  data.append("dry_run", dryRun ? "true" : "false");
  if (digest) data.append("digest", digest);
  return data;
}

async function render(root) {
  let checked = null; // { file, digest } after a clean check of the file chosen
  const input = h("input", { type: "file", id: "roster-file", accept: ".xlsx" });
  const checkButton = h("button", { type: "button", id: "roster-check", disabled: true }, "检查");
  const importButton = h("button", { type: "button", class: "primary", id: "roster-import", disabled: true }, "导入");
  const templateButton = h("button", { type: "button", id: "roster-template" }, "下载名单模板");
  const out = h("div", { id: "roster-result" });

  const chosen = () => input.files[0];
  const busy = (on) => {
    for (const button of [checkButton, importButton, templateButton]) button.disabled = on;
    input.disabled = on;
    if (!on) {
      checkButton.disabled = !chosen();
      importButton.disabled = !(checked && checked.file === chosen());
    }
  };

  input.addEventListener("change", () => {
    checked = null;
    fill(out);
    busy(false);
  });

  templateButton.addEventListener("click", async () => {
    try {
      await api.download("/office/roster/template.xlsx", "名单导入模板.xlsx");
    } catch (error) {
      fill(out, failed(error));
    }
  });

  checkButton.addEventListener("click", async () => {
    const file = chosen();
    checked = null;
    busy(true);
    fill(out, loading("正在检查名单…"));
    try {
      const result = await api.post(PATH, form(file, true));
      if (!result.errors.length) checked = { file, digest: result.digest };
      fill(out, outcome(result));
    } catch (error) {
      fill(out, failed(error));
    } finally {
      busy(false);
    }
  });

  importButton.addEventListener("click", async () => {
    const { file, digest } = checked;
    checked = null; // one import per check: a second click would only repeat it
    busy(true);
    fill(out, loading("正在导入名单…"));
    try {
      fill(out, outcome(await api.post(PATH, form(file, false, digest))));
    } catch (error) {
      fill(out, failed(error));
    } finally {
      busy(false);
    }
  });

  fill(
    root,
    h("h2", {}, "名单导入"),
    h(
      "p",
      { class: "hint" },
      "用名单模板填写社区、服务队、党员、结对家庭四张表（模板的“说明”表有填写方法），保存为 .xlsx。" +
        "先点“检查”：每个问题都会列出工作表、行和列；没有错误时列出导入将新增和修改的内容。" +
        "检查通过后点“导入”：要么全部导入，要么一处也不改。",
    ),
    h("p", {}, templateButton),
    h("p", { class: "roster-actions" }, h("label", {}, "名单文件 ", input), " ", checkButton, " ", importButton),
    out,
  );
}

export default { title: "名单导入", render };
