// /dev/chat: send text, locations and photos to the Official Account as a demo member.
// Every message goes through POST /dev/chat/send, which signs it and pushes it to /wechat.
// Photos are first uploaded to the emulator (WeChat keeps a photo before it pushes its
// MediaId); customer-service messages the bot sends later are read from the emulator's log.
"use strict";

const data = JSON.parse(document.getElementById("devchat-data").textContent);
const $ = (id) => document.getElementById(id);
const conversations = {}; // openid -> [{side, text, image, tag}]
const POLL_MS = 1200;
const MAP = { width: 400, height: 220, spanLat: 0.006 }; // about 670 m north to south
let current = null;
let seenCalls = null;

// --- members --------------------------------------------------------------------------

function memberLabel(m) {
  const number = m.phone.slice(-2);
  return `${number} ${m.name}${m.leader ? "（队长）" : ""} · ${m.team}`;
}

function fillMembers() {
  const groups = [["已绑定", true], ["未绑定（可试绑定）", false]];
  for (const [title, bound] of groups) {
    const group = document.createElement("optgroup");
    group.label = title;
    for (const m of data.members.filter((x) => x.bound === bound)) {
      group.append(new Option(memberLabel(m), m.openid));
    }
    $("member").append(group);
  }
  $("member").addEventListener("change", () => choose($("member").value));
  if (data.members.length) choose(data.members[0].openid);
}

function choose(openid) {
  current = data.members.find((m) => m.openid === openid);
  $("member").value = openid;
  $("chat-title").textContent = `先锋志愿服务 · ${current.name}`;
  showInfo(current);
  drawMap();
  render();
}

function showInfo(m) {
  const lines = [`openid <code>${m.openid}</code>，手机 ${m.phone}`];
  if (!m.bound && m.bind_code) lines.push(`试试发送：<code>绑定 ${m.phone} ${m.bind_code}</code>`);
  if (!m.bound && !m.bind_code) lines.push("尚未绑定，且没有有效的绑定码。");
  $("member-info").innerHTML = lines.join("<br>");
}

// --- messages -------------------------------------------------------------------------

function add(openid, message) {
  (conversations[openid] ||= []).push(message);
  if (current && openid === current.openid) render();
}

function render() {
  const box = $("messages");
  box.replaceChildren(...(conversations[current.openid] || []).map(bubble));
  box.scrollTop = box.scrollHeight;
}

function bubble(message) {
  if (message.side === "note") {
    const note = document.createElement("div");
    note.className = message.error ? "note error" : "note";
    note.textContent = message.text;
    return note;
  }
  const row = document.createElement("div");
  row.className = `row ${message.side}`;
  const avatar = document.createElement("div");
  avatar.className = "avatar";
  avatar.textContent = message.side === "in" ? "锋" : current.name.slice(-1);
  const body = document.createElement("div");
  body.className = "bubble";
  if (message.tag) body.append(Object.assign(document.createElement("span"), { className: "tag", textContent: message.tag }));
  if (message.image) body.append(Object.assign(document.createElement("img"), { src: message.image, alt: "照片" }));
  if (message.text) body.append(document.createTextNode(message.text));
  row.append(avatar, body);
  return row;
}

async function push(payload, shown) {
  const openid = current.openid;
  add(openid, { side: "out", ...shown });
  try {
    const response = await fetch(data.send_url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ openid, ...payload }),
    });
    const answer = await response.json();
    if (!response.ok) return add(openid, { side: "note", error: true, text: answer.error });
    if (answer.status !== 200) return add(openid, { side: "note", error: true, text: `/wechat 返回 ${answer.status}` });
    if (answer.reply) add(openid, { side: "in", text: answer.reply });
    else add(openid, { side: "note", text: "公众号未回复（success）" });
  } catch (error) {
    add(openid, { side: "note", error: true, text: `发送失败：${error}` });
  }
}

function sendText(text) {
  text = text.trim();
  if (text) push({ type: "text", content: text }, { text });
}

function sendLocation(lat, lng, label) {
  const where = `${lat.toFixed(6)}, ${lng.toFixed(6)}`;
  push({ type: "location", lat, lng, label }, { text: `[位置] ${label || ""}\n${where}` });
}

async function sendPhoto(blob) {
  const mediaId = "devchat-" + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  const upload = await fetch(`${data.emulator}_control/media/${mediaId}`, {
    method: "POST",
    headers: { "Content-Type": blob.type || "image/jpeg" },
    body: blob,
  });
  if (!upload.ok) return add(current.openid, { side: "note", error: true, text: "照片上传到模拟器失败" });
  push({ type: "image", media_id: mediaId }, { image: URL.createObjectURL(blob) });
}

// Customer-service messages: what the bot sent through the emulator since the page opened.
async function poll() {
  try {
    const response = await fetch(`${data.emulator}_control/calls?api=custom_send`);
    const calls = (await response.json()).calls || [];
    if (seenCalls === null || calls.length < seenCalls) seenCalls = calls.length; // start or reset
    for (const call of calls.slice(seenCalls)) {
      const body = call.body || {};
      const text = body.text ? body.text.content : `[${body.msgtype || "消息"}]`;
      add(body.touser, { side: "in", text, tag: "客服消息" });
    }
    seenCalls = calls.length;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

// --- the map --------------------------------------------------------------------------

function projection(center) {
  const spanLng = MAP.spanLat / Math.cos((center.lat * Math.PI) / 180) * (MAP.width / MAP.height);
  return {
    toXY: (p) => [MAP.width / 2 + ((p.lng - center.lng) / spanLng) * MAP.width, MAP.height / 2 - ((p.lat - center.lat) / MAP.spanLat) * MAP.height],
    toLatLng: (x, y) => ({ lat: center.lat + ((MAP.height / 2 - y) / MAP.height) * MAP.spanLat, lng: center.lng + ((x - MAP.width / 2) / MAP.width) * spanLng }),
    metres: (m) => (m / 111320 / MAP.spanLat) * MAP.height,
  };
}

function svg(name, attributes, parent) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  parent.append(element);
  return element;
}

function drawMap() {
  const map = $("map");
  map.replaceChildren();
  const places = data.places[String(current.team_id)];
  if (!places) return;
  const proj = projection(places.community);
  map.projection = proj;
  svg("rect", { class: "ground", x: 0, y: 0, width: MAP.width, height: MAP.height }, map);
  for (let i = 0; i <= MAP.width; i += 30) svg("line", { class: "grid", x1: i, y1: 0, x2: i, y2: MAP.height }, map);
  for (let i = 0; i <= MAP.height; i += 30) svg("line", { class: "grid", x1: 0, y1: i, x2: MAP.width, y2: i }, map);
  mark(map, proj, places.community, "community", { radius: places.community.radius_m });
  for (const activity of places.activities) mark(map, proj, activity, "activity", { id: activity.id });
  if (current.household) mark(map, proj, current.household, "household", {});
}

function mark(map, proj, place, kind, { radius, id }) {
  const [x, y] = proj.toXY(place);
  if (radius) svg("circle", { class: "range", cx: x, cy: y, r: proj.metres(radius) }, map);
  const dot = svg("circle", { class: kind, cx: x, cy: y, r: 4 }, map);
  if (id !== undefined) dot.dataset.activityId = id;
  dot.dataset.kind = kind;
  svg("text", { x: x + 6, y: y - 4 }, map).textContent = place.label;
}

function clickMap(event) {
  const map = $("map");
  if (!map.projection) return;
  const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(map.getScreenCTM().inverse());
  const where = map.projection.toLatLng(point.x, point.y);
  map.querySelector(".pin")?.remove();
  svg("circle", { class: "pin", cx: point.x, cy: point.y, r: 5 }, map);
  $("lat").value = where.lat.toFixed(6);
  $("lng").value = where.lng.toFixed(6);
  sendLocation(where.lat, where.lng, "地图上选的位置");
}

// --- sample photos ----------------------------------------------------------------------

// A made-up outdoor scene, different on every page load (the bot flags a reused photo).
function samplePhoto(n) {
  const canvas = Object.assign(document.createElement("canvas"), { width: 640, height: 480 });
  const g = canvas.getContext("2d");
  const sky = g.createLinearGradient(0, 0, 0, 300);
  sky.addColorStop(0, `hsl(${200 + n * 10}, 70%, 70%)`);
  sky.addColorStop(1, "#f0f4f8");
  g.fillStyle = sky;
  g.fillRect(0, 0, 640, 480);
  for (let i = 0; i < 7; i++) {
    const h = 80 + Math.random() * 180;
    g.fillStyle = `hsl(${Math.random() * 360}, 25%, ${45 + Math.random() * 30}%)`;
    g.fillRect(i * 95 - 10 + Math.random() * 20, 330 - h, 80, h);
  }
  g.fillStyle = "#7a8a6a";
  g.fillRect(0, 330, 640, 150);
  for (let i = 0; i < 3 + n; i++) person(g, 120 + i * 130 + Math.random() * 40, 330 + Math.random() * 60);
  g.fillStyle = "#c62828";
  g.fillRect(540, 120, 70, 45);
  g.fillStyle = "#fff";
  g.font = "24px sans-serif";
  g.fillText(`志愿服务 ${new Date().toLocaleTimeString("zh-CN")}`, 20, 460);
  return canvas;
}

function person(g, x, y) {
  g.fillStyle = "#c62828";
  g.fillRect(x - 14, y, 28, 60);
  g.fillStyle = "#f1c27d";
  g.beginPath();
  g.arc(x, y - 12, 12, 0, Math.PI * 2);
  g.fill();
}

function fillSamples() {
  for (let n = 0; n < 3; n++) {
    const canvas = samplePhoto(n);
    const img = Object.assign(document.createElement("img"), { src: canvas.toDataURL("image/jpeg", 0.8), alt: `示例照片 ${n + 1}` });
    img.className = "sample";
    img.addEventListener("click", () => canvas.toBlob((blob) => sendPhoto(blob), "image/jpeg", 0.9));
    $("samples").append(img);
  }
}

// --- wiring -----------------------------------------------------------------------------

function toggle(panel) {
  for (const id of ["location-panel", "photo-panel"]) $(id).hidden = id !== panel || !$(id).hidden;
}

function wire() {
  $("send").addEventListener("click", () => { sendText($("text").value); $("text").value = ""; });
  $("text").addEventListener("keydown", (e) => { if (e.key === "Enter") $("send").click(); });
  for (const chip of document.querySelectorAll(".chip")) chip.addEventListener("click", () => sendText(chip.dataset.text));
  $("toggle-location").addEventListener("click", () => toggle("location-panel"));
  $("toggle-photo").addEventListener("click", () => toggle("photo-panel"));
  $("map").addEventListener("click", clickMap);
  $("send-coords").addEventListener("click", () => {
    const lat = parseFloat($("lat").value), lng = parseFloat($("lng").value);
    if (Number.isFinite(lat) && Number.isFinite(lng)) sendLocation(lat, lng, "手动输入的坐标");
  });
  $("photo-file").addEventListener("change", (e) => { if (e.target.files[0]) sendPhoto(e.target.files[0]); e.target.value = ""; });
}

wire();
fillMembers();
fillSamples();
poll();
