// Edits typed on a page and not yet saved, kept aside in this tab as they are typed, so that
// a login that runs out, is revoked, or is ended in another tab loses nothing: the page drops
// them from the screen for the login form, and draws them again after the clerk logs in.
//
// Kept per login (the username typed at login) and per page (a view and, say, a year), in
// sessionStorage: it outlives the login form and a reload but not the tab (closing a tab with
// unsaved edits asks first), and each tab keeps its own, so two tabs on one year never write
// over each other's and a log-out in another tab cannot wipe this one's. An edit is dropped
// once saved, or when the clerk agrees to leave it (drop), or logs out here (forgetMine).

import * as api from "./api.js";

const PREFIX = "xianfeng.office.drafts.";

function owner() {
  const current = api.session();
  return current ? current.username || current.account : null;
}

const ownerPrefix = (who) => `${PREFIX}${encodeURIComponent(who)}.`;

function read(key) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(key) || "{}");
    return kept && typeof kept === "object" ? kept : {};
  } catch (e) {
    return {}; // a damaged entry holds nothing
  }
}

function write(key, kept) {
  try {
    if (Object.keys(kept).length) sessionStorage.setItem(key, JSON.stringify(kept));
    else sessionStorage.removeItem(key);
  } catch (e) {
    /* storage full or refused: the edit stays on the page, as before */
  }
}

/** The drafts of one page (`view`, `page`: "annual", 2026) for the login now shown: taken
 * at once, so that edits typed after the login ran out are still kept under it. */
export function draftsOf(view, page) {
  const who = owner();
  const key = who ? `${ownerPrefix(who)}${view}.${page}` : null;
  const change = (edit) => {
    if (!key) return;
    const kept = read(key);
    edit(kept);
    write(key, kept);
  };
  return {
    /** Every kept edit of the page: { id: value }. */
    all: () => (key ? read(key) : {}),
    put: (id, value) => change((kept) => (kept[id] = value)),
    drop: (...ids) => change((kept) => ids.forEach((id) => delete kept[id])),
  };
}

/** Forget every draft of the login now shown (it logs out here). */
export function forgetMine() {
  const who = owner();
  if (!who) return;
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith(ownerPrefix(who))) sessionStorage.removeItem(key);
  }
}
