// The office's session and its calls to the JSON API under /api/v1; every error reaches the
// page as the API's Chinese message.
//
// The token lives in localStorage with its expiry, so the clerk's tabs of this browser share
// one login (a register entry opened in a new tab needs no second login) until it expires or
// the clerk logs out, in any tab: the `storage` event tells the other tabs at once
// (whenChangedElsewhere). This is acceptable for the office's desktop: it is the office's
// own computer; the token expires within hours whatever happens and is revoked on the server
// at 退出登录; and the page runs only its own scripts (the Content-Security-Policy of
// web/office.py), which could read sessionStorage just as well. A shared computer is logged
// out after use, as it would be in any case.

const BASE = "/api/v1";
const KEY = "xianfeng.office.session";
const OFFLINE = "无法连接服务器，请检查网络后重试。";
const BROKEN = "服务暂时出现问题，请稍后再试。";
export const EXPIRED = "登录已过期，请重新登录。";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onSignedOut = () => {};

/** Call `handler(message)` whenever the session ends without the user asking. */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

function saved() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "null");
  } catch (e) {
    return null; // a damaged entry is no session
  }
}

/** The login while it lasts; an expired one stays stored until forget(), so that the page
 * can still tell the clerk it expired (expiredBefore) rather than silently do nothing. */
export function session() {
  const kept = saved();
  return kept && Date.parse(kept.expires_at) > Date.now() ? kept : null;
}

/** Kept with the username typed (the server's exact login name, trimmed): `account` is only
 * the display name, which two logins may share, and drafts are kept per login. */
function save(login, username) {
  const kept = { token: login.token, expires_at: login.expires_at, account: login.account, username };
  localStorage.setItem(KEY, JSON.stringify(kept));
  return kept;
}

/** Whether this browser kept a login that has expired since (to say so on the login form). */
export function expiredBefore() {
  const kept = saved();
  return Boolean(kept && !(Date.parse(kept.expires_at) > Date.now()));
}

export function forget() {
  localStorage.removeItem(KEY);
}

/** Call `handler(expired)` when another tab of this browser logs in or out; `expired` says
 * that the login it dropped had run out (rather than the clerk logging out). */
export function whenChangedElsewhere(handler) {
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY && event.key !== null) return;
    let expired = false;
    try {
      const old = JSON.parse(event.oldValue || "null");
      expired = Boolean(old && !(Date.parse(old.expires_at) > Date.now()));
    } catch (e) {
      /* a damaged entry: not an expiry */
    }
    handler(expired);
  });
}

function endSession(message) {
  forget();
  onSignedOut(message || EXPIRED);
}

async function send(method, path, body, accept) {
  const current = session();
  if (!current && expiredBefore()) {
    endSession(EXPIRED); // the login ran out while the page sat (a laptop asleep, say)
    throw new ApiError(401, "login_expired", EXPIRED);
  }
  const headers = { Accept: accept };
  if (current) headers.Authorization = `Bearer ${current.token}`;
  const form = body instanceof FormData; // an upload: the browser sets its multipart type
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  try {
    return await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined || form ? body : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, "offline", OFFLINE);
  }
}

async function failure(response, signedIn) {
  let error = { code: "internal_error", message: BROKEN };
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) error = body.error;
  } catch (e) {
    /* not the JSON error shape: say it plainly */
  }
  if (response.status === 401 && signedIn) endSession(error.message);
  return new ApiError(response.status, error.code, error.message);
}

/** The JSON answer of an API call, or an ApiError with the API's Chinese message. */
export async function call(method, path, body) {
  const signedIn = Boolean(session());
  const response = await send(method, path, body, "application/json");
  if (!response.ok) throw await failure(response, signedIn);
  try {
    return await response.json();
  } catch (e) {
    throw new ApiError(response.status, "bad_answer", BROKEN);
  }
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);

/** Log in with the office's username and password; the session is kept for this browser's
 * tabs. */
export async function login(username, password) {
  forget();
  const answer = await call("POST", "/auth/office", { username, password });
  return save(answer, username);
}

/** Revoke the token on the server (best effort) and forget it here. */
export async function logout() {
  if (session()) {
    try {
      await call("POST", "/auth/logout");
    } catch (e) {
      /* the token is forgotten here whatever the server said */
    }
  }
  forget();
}

function fileName(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch (e) {
      /* fall back below */
    }
  }
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Download a file the API serves to the token (an Excel export) and save it. */
export async function download(path, fallbackName) {
  const signedIn = Boolean(session());
  const response = await send("GET", path, undefined, "*/*");
  if (!response.ok) throw await failure(response, signedIn);
  const blob = await response.blob();
  const name = fileName(response, fallbackName);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  return name;
}

/** A query string from the filled-in values only. */
export function query(params) {
  const kept = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return kept.length ? "?" + new URLSearchParams(kept).toString() : "";
}
