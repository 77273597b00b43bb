// The office dashboard: the login, the navigation and a view per hash (#overview,
// #register?team_id=1, #record/12, ...). Each view draws itself from the JSON API into a
// fresh container, so an answer arriving after the user moved on lands nowhere.

import * as api from "./api.js";
import { h, fill, loading } from "./dom.js";
import { forgetMine } from "./drafts.js";
import annual from "./annual.js";
import broadcasts from "./broadcasts.js";
import check from "./check.js";
import feedback from "./feedback.js";
import inbox from "./inbox.js";
import overview from "./overview.js";
import record from "./record.js";
import register from "./register.js";
import reports from "./reports.js";
import roster from "./roster.js";
import spotChecks from "./spotchecks.js";

// view name → { title, nav (the menu entry it lights), render(container, context) }.
const VIEWS = {
  overview,
  register,
  record,
  "spot-checks": spotChecks,
  reports,
  inbox,
  check,
  roster,
  feedback,
  broadcasts,
  annual,
};
const DEFAULT_VIEW = "overview";
const BROKEN_PAGE = "页面出现问题，请刷新后重试。";
const SIGNED_OUT_ELSEWHERE = "您已在其他标签页退出登录。";

const $ = (id) => document.getElementById(id);
let expiryTimer = null;
let teamsPromise = null;
let shownToken = null; // the login the shell was drawn for
let shownHash = null; // the address of the view on screen
let leaving = null; // the view's question before it is left (unsaved edits), or none
let discarding = null; // what the view drops once the clerk agrees to leave its edits

/** What to ask before the shown view is left ("" or null: nothing to lose). */
function question() {
  return !$("shell").hidden && leaving ? leaving() : "";
}

/** A move to another address; the view may keep the clerk from losing typed edits. */
function onHashChange() {
  if ($("shell").hidden || location.hash === shownHash) return; // hidden, or a move undone
  const ask = question();
  if (ask && !window.confirm(ask)) {
    location.hash = shownHash;
    return;
  }
  if (ask && discarding) discarding();
  route();
}

/** A reload or a closed tab with typed edits: the browser asks its own question. */
function onBeforeUnload(event) {
  if (!question()) return;
  event.preventDefault();
  event.returnValue = "";
}

/** The teams (id, name) from the overview, fetched once per login for the views' filters. */
function teams() {
  if (!teamsPromise) {
    teamsPromise = api.get("/office/overview").then((o) => o.teams);
    teamsPromise.catch(() => (teamsPromise = null));
  }
  return teamsPromise;
}

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#/, ""));
  const [path, search = ""] = raw.split("?");
  const [name, id] = path.split("/");
  return { name: VIEWS[name] ? name : DEFAULT_VIEW, id, params: new URLSearchParams(search) };
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** Put what the view shows into its address (a filter set on the page) without drawing it
 * again: a reload or a move from the view keeps it. */
function keep(hash) {
  history.replaceState(null, "", hash);
  shownHash = location.hash;
}

/** The login form, saying why: expired, or nothing (never asked to log in). */
function signedOut() {
  const expired = api.expiredBefore();
  api.forget();
  showLogin(expired ? api.EXPIRED : undefined);
}

async function route() {
  if (!api.session()) return signedOut();
  const { name, id, params } = parseHash();
  const view = VIEWS[name];
  const nav = view.nav || name;
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.view === nav);
  }
  document.title = `${view.title} · 办公室工作台`;
  const container = h("section", { class: "panel", "data-view": name }, loading());
  fill($("view"), container);
  shownHash = location.hash;
  leaving = discarding = null;
  const onLeave = (ask, discard) => {
    leaving = ask;
    discarding = discard || null;
  };
  try {
    await view.render(container, { id, params, go, keep, teams, onLeave });
  } catch (error) {
    if (!(error instanceof api.ApiError)) console.error(error); // a bug of the page itself
    if (container.isConnected) {
      const message = error instanceof api.ApiError ? error.message : BROKEN_PAGE;
      fill(container, h("h2", {}, view.title), h("p", { class: "notice error" }, message));
    }
  }
}

function showLogin(message) {
  clearTimeout(expiryTimer);
  shownToken = null;
  teamsPromise = null;
  $("shell").hidden = true;
  $("login").hidden = false;
  fill($("view"));
  const note = $("login-message");
  note.hidden = !message;
  note.textContent = message || "";
  $("password").value = "";
  $("username").focus();
}

function showShell(current) {
  shownToken = current.token;
  $("login").hidden = true;
  $("shell").hidden = false;
  $("account-name").textContent = current.account || "办公室";
  clearTimeout(expiryTimer);
  const left = Date.parse(current.expires_at) - Date.now();
  // Timers above ~24.8 days overflow; a token lives hours.
  expiryTimer = setTimeout(() => {
    api.forget();
    showLogin(api.EXPIRED);
  }, Math.min(left, 2 ** 31 - 1));
  route();
}

async function onLogin(event) {
  event.preventDefault();
  const button = $("login-button");
  button.disabled = true;
  $("login-message").hidden = true;
  try {
    showShell(await api.login($("username").value.trim(), $("password").value));
  } catch (error) {
    showLogin(error.message);
  } finally {
    button.disabled = false;
  }
}

async function onLogout() {
  const ask = question();
  if (ask && !window.confirm(ask)) return;
  forgetMine(); // the clerk is done here: nothing typed stays behind in this tab
  await api.logout();
  showLogin("您已退出登录。");
}

/** Another tab logged in or out: follow it, so the clerk's tabs share one login. */
function onChangedElsewhere(expired) {
  const current = api.session();
  const shown = !$("shell").hidden;
  if (current && (!shown || current.token !== shownToken)) showShell(current);
  else if (!current && shown) {
    showLogin(expired || api.expiredBefore() ? api.EXPIRED : SIGNED_OUT_ELSEWHERE);
  }
}

function start() {
  api.whenSignedOut((message) => showLogin(message));
  api.whenChangedElsewhere(onChangedElsewhere);
  $("login-form").addEventListener("submit", onLogin);
  $("logout").addEventListener("click", onLogout);
  // While the shell shows, every move routes: an expired login then brings the form back
  // with its reason instead of a click that does nothing.
  window.addEventListener("hashchange", onHashChange);
  window.addEventListener("beforeunload", onBeforeUnload);
  const current = api.session();
  if (current) showShell(current);
  else signedOut();
}

start();
