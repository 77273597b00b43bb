// The office's verdict on one item (a comment, a report, a spot check, a register entry): a
// note, a button per choice, a status line. One form, so that every card saves, refuses and
// waits the same way; the rules stay the API's and its refusals are shown as it words them.

import { h, fill, loading, failed } from "./dom.js";

/**
 * note: the textarea's attributes; choices: [{ value, label, ...button attributes }];
 * send(value, note) posts and resolves to the saved item; saved(item, value) redraws;
 * needsNote: { value: message } for choices refused here without a note, before asking.
 */
export function verdictForm({ note, choices, send, saved, needsNote = {}, saving = "正在保存…", attrs = {}, statusAttrs = {}, hint = null }) {
  const text = h("textarea", { rows: 2, ...note });
  const status = h("div", { ...statusAttrs, class: "verdict-status" });
  const busy = (on) => buttons.querySelectorAll("button").forEach((b) => (b.disabled = on));
  const submit = (value) => async () => {
    const written = text.value.trim();
    if (needsNote[value] && !written) {
      fill(status, h("p", { class: "notice error", role: "alert" }, needsNote[value]));
      text.focus();
      return;
    }
    busy(true);
    fill(status, loading(saving));
    try {
      saved(await send(value, written), value);
    } catch (error) {
      fill(status, failed(error));
      busy(false);
    }
  };
  const buttons = h(
    "div",
    { class: "buttons" },
    choices.map(({ value, label, ...button }) => h("button", { type: "button", ...button, onclick: submit(value) }, label)),
  );
  return h("div", { ...attrs, class: "verdict" }, hint, text, buttons, status);
}
