// vinbind dashboard: plain JavaScript over the server's JSON API (no framework, nothing from the internet).
// The bearer token lives in sessionStorage (this tab only); every text from the server is put into the page
// with textContent, never as HTML.

const $ = (sel) => document.querySelector(sel);
const PAGES = ["login", "vehicles", "holds", "presence", "import", "models", "rules", "orders", "campaigns"];
let live = null; // the AbortController of the presence stream while its page is shown
let liveCampaigns = null; // the same for the campaign stream
let openCampaign = null; // the campaign whose terminals are shown
let me = null; // {name, role} of the signed-in token

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body, contentType) {
  const headers = {};
  const token = sessionStorage.getItem("vinbind.token");
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : body });
  } catch (e) {
    throw new ApiError(0, "the server cannot be reached (" + e.message + ")");
  }
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) {
    const text = data && data.error ? data.error : "HTTP " + r.status;
    throw new ApiError(r.status, text);
  }
  return data;
}

function showError(e) {
  const box = $("#alert");
  const prefix = e.status === 403 ? "Not allowed: " : e.status === 401 ? "Sign-in needed: " : e.status ? "Error " + e.status + ": " : "";
  box.textContent = prefix + e.message;
  box.hidden = false;
  if (e.status === 401 && me) signOut(false);
}

function clearError() {
  $("#alert").hidden = true;
  $("#alert").textContent = "";
}

function el(tag, text, cls) {
  const n = document.createElement(tag);
  if (text !== undefined && text !== null) n.textContent = String(text);
  if (cls) n.className = cls;
  return n;
}

/** A time in the reader's local time, with UTC on hover. */
function time(iso) {
  if (!iso) return el("span", "–");
  const t = el("time", new Date(iso).toLocaleString());
  t.dateTime = iso;
  t.title = "UTC " + new Date(iso).toISOString();
  return t;
}

function row(tbody, cells, labels) {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => {
    const td = document.createElement("td");
    if (labels) td.dataset.label = labels[i];
    if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined || c === null ? "–" : String(c);
    tr.appendChild(td);
  });
  tbody.appendChild(tr);
  return tr;
}

function labelsOf(table) {
  return Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent);
}

function clearTable(table) {
  const tbody = table.querySelector("tbody");
  tbody.replaceChildren();
  return tbody;
}

function show(page) {
  if (!PAGES.includes(page)) page = "vehicles";
  if (!me) page = "login";
  for (const p of PAGES) $("#page-" + p).hidden = p !== page;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  clearError();
  if (live && page !== "presence") { live.abort(); live = null; }
  if (liveCampaigns && page !== "campaigns") { liveCampaigns.abort(); liveCampaigns = null; }
  const loaders = { holds: loadHolds, presence: loadPresence, models: loadModels, rules: loadRules, orders: loadOrders,
    campaigns: loadCampaigns };
  if (loaders[page]) loaders[page]().catch(showError);
  const first = $("#page-" + page + " input, #page-" + page + " button");
  if (first) first.focus(); else $("#main").focus();
}

function route() {
  show((location.hash || "#/vehicles").replace(/^#\//, ""));
}

async function signIn(token) {
  sessionStorage.setItem("vinbind.token", token);
  try {
    me = await api("GET", "/whoami");
  } catch (e) {
    sessionStorage.removeItem("vinbind.token");
    me = null;
    throw e;
  }
  $("#who-name").textContent = me.name;
  $("#who-role").textContent = me.role;
  $("#who").hidden = false;
  $("#nav").hidden = false;
}

function signOut(navigate = true) {
  sessionStorage.removeItem("vinbind.token");
  me = null;
  $("#who").hidden = true;
  $("#nav").hidden = true;
  if (navigate) route(); else show("login");
}

// --- vehicles ---------------------------------------------------------------------------------------
async function find(kind, value) {
  const binding = $("#binding");
  binding.replaceChildren();
  $("#history").replaceChildren();
  $("#history-title").hidden = true;
  let found = null;
  let historyPath;
  if (kind === "terminal") {
    const t = await api("GET", "/terminals/" + encodeURIComponent(value));
    const card = el("div", null, "card");
    card.appendChild(el("h3", "Terminal " + t.terminalId));
    const dl = document.createElement("dl");
    addField(dl, "IMSI", t.imsi);
    addField(dl, "First seen", time(t.firstSeen));
    addField(dl, "Last login", time(t.lastLoginAt));
    if (t.revokedAt) addField(dl, "Revoked", time(t.revokedAt));
    card.appendChild(dl);
    binding.appendChild(card);
    if (t.imsi) found = await api("GET", "/bindings/imsi/" + encodeURIComponent(t.imsi)).catch(notFoundAsNull);
    historyPath = "/history/terminal/" + encodeURIComponent(value);
  } else {
    found = await api("GET", "/bindings/" + kind + "/" + encodeURIComponent(value)).catch(notFoundAsNull);
    historyPath = "/history/" + kind + "/" + encodeURIComponent(value);
  }
  const card = el("div", null, "card");
  card.id = "binding-card";
  if (found) {
    card.appendChild(el("h3", "Bound"));
    const dl = document.createElement("dl");
    addField(dl, "VIN", found.vin);
    addField(dl, "IMSI", found.imsi);
    addField(dl, "Terminal", found.terminalId);
    addField(dl, "Since", time(found.boundAt));
    card.appendChild(dl);
  } else {
    card.appendChild(el("p", "No live binding.", "muted"));
  }
  binding.appendChild(card);
  const history = await api("GET", historyPath + "?limit=200");
  $("#history-title").hidden = false;
  const list = $("#history");
  if (history.length === 0) list.appendChild(el("li", "Nothing recorded.", "muted"));
  for (const h of history.slice().reverse()) {
    const li = document.createElement("li");
    li.appendChild(time(h.at));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", h.event, "event"));
    const parts = [];
    if (h.vin) parts.push("VIN " + h.vin + (h.previousVin ? " (was " + h.previousVin + ")" : ""));
    if (h.imsi) parts.push("IMSI " + h.imsi + (h.previousImsi ? " (was " + h.previousImsi + ")" : ""));
    if (h.terminalId) parts.push("terminal " + h.terminalId);
    if (h.reason) parts.push("reason " + h.reason);
    parts.push("by " + h.source);
    li.appendChild(el("div", parts.join(" · "), "muted"));
    if (h.detail) li.appendChild(el("div", h.detail, "muted"));
    list.appendChild(li);
  }
}

function notFoundAsNull(e) {
  if (e.status === 404) return null;
  throw e;
}

function addField(dl, name, value) {
  dl.appendChild(el("dt", name));
  const dd = document.createElement("dd");
  if (value instanceof Node) dd.appendChild(value); else dd.textContent = value === undefined || value === null ? "–" : String(value);
  dl.appendChild(dd);
}

// --- holds ------------------------------------------------------------------------------------------
async function loadHolds() {
  const table = $("#holds");
  const tbody = clearTable(table);
  const labels = labelsOf(table);
  const holds = await api("GET", "/holds?limit=200");
  if (holds.length === 0) {
    const tr = row(tbody, ["No rebind is held."], null);
    tr.firstChild.colSpan = labels.length;
  }
  for (const h of holds) {
    const decide = document.createElement("span");
    for (const [action, label] of [["approve", "Approve"], ["reject", "Reject"]]) {
      const b = el("button", label, action === "reject" ? "secondary" : "");
      b.type = "button";
      b.setAttribute("aria-label", label + " hold " + h.id);
      b.addEventListener("click", () => decideHold(h.id, action));
      decide.appendChild(b);
      decide.appendChild(document.createTextNode(" "));
    }
    row(tbody, [h.id, h.vin, h.imsi, h.terminalId, h.uploadReason, time(h.requestedAt), decide], labels);
  }
}

async function decideHold(id, action) {
  clearError();
  try {
    const r = await api("POST", "/holds/" + id + "/" + action, "{}");
    const outcome = r.ack ? r.ack.outcome : r.state;
    $("#holds").insertAdjacentElement("beforebegin", statusLine("Hold " + id + ": " + outcome));
    await loadHolds();
  } catch (e) {
    showError(e);
  }
}

function statusLine(text) {
  const old = $("#status-line");
  if (old) old.remove();
  const p = el("p", text);
  p.id = "status-line";
  p.setAttribute("role", "status");
  return p;
}

// --- presence ---------------------------------------------------------------------------------------
async function loadPresence() {
  await refreshPresence();
  if (!live) followPresence();
}

async function refreshPresence() {
  const sum = await api("GET", "/presence");
  $("#presence-summary").textContent = sum.online + " online, " + sum.offline + " offline · heartbeats counted per "
    + Math.round(sum.windowS / 60) + " min window · offline after " + sum.timeoutS + " s of silence";
  const on = $("#online");
  let tbody = clearTable(on);
  let labels = labelsOf(on);
  for (const t of await api("GET", "/presence/online?limit=500")) {
    row(tbody, [windowsButton(t.terminalId), time(t.since), time(t.lastSeen), t.limits.heartbeatIntervalS + " s", t.limitRule || "defaults"], labels);
  }
  const off = $("#offline");
  tbody = clearTable(off);
  labels = labelsOf(off);
  for (const t of await api("GET", "/presence/offline?limit=500")) {
    row(tbody, [windowsButton(t.terminalId), time(t.since), time(t.lastSeen)], labels);
  }
  if (shownWindows) await showWindows(shownWindows);
  const lim = $("#limits");
  tbody = clearTable(lim);
  labels = labelsOf(lim);
  for (const r of await api("GET", "/presence/limits")) {
    const sel = [];
    if (r.models) sel.push("models " + r.models.join(", "));
    if (r.minHeartbeats !== undefined) sel.push("at least " + r.minHeartbeats + " heartbeats");
    if (r.maxHeartbeats !== undefined) sel.push("at most " + r.maxHeartbeats + " heartbeats");
    row(tbody, [r.name, r.priority, sel.join("; "), r.heartbeatIntervalS + " s", r.sendIntervalS + " s", r.storageRecords], labels);
  }
}

let shownWindows = null; // the terminal whose counts per window are shown

function windowsButton(terminalId) {
  const b = el("button", terminalId, "secondary");
  b.type = "button";
  b.dataset.terminal = terminalId;
  b.setAttribute("aria-label", "Heartbeats per window of " + terminalId);
  b.addEventListener("click", () => showWindows(terminalId).catch(showError));
  return b;
}

/** The terminal's heartbeats and status records counted per window (claim 3), newest window first. */
async function showWindows(terminalId) {
  shownWindows = terminalId;
  const table = $("#windows");
  const list = await api("GET", "/presence/terminals/" + encodeURIComponent(terminalId) + "/windows");
  $("#windows-title").textContent = "Heartbeats per window: " + terminalId;
  $("#windows-hint").hidden = true;
  table.hidden = false;
  const tbody = clearTable(table);
  const labels = labelsOf(table);
  for (const w of list) row(tbody, [time(w.start), time(w.end), w.heartbeats, w.records], labels);
}

/** Server-sent events read with fetch, so that the bearer token travels in its header (EventSource cannot). */
async function readEvents(path, signal, onOpen, onEvent) {
  const r = await fetch(path, { headers: { "Authorization": "Bearer " + sessionStorage.getItem("vinbind.token") }, signal });
  if (!r.ok) {
    let text = "HTTP " + r.status;
    try { text = (await r.json()).error; } catch (e) { /* not JSON */ }
    throw new ApiError(r.status, text);
  }
  onOpen();
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) onEvent(JSON.parse(data));
    }
  }
}

async function followPresence() {
  live = new AbortController();
  const mine = live;
  $("#live-state").textContent = "(connecting)";
  try {
    await readEvents("/presence/stream", mine.signal, () => { $("#live-state").textContent = "(live)"; }, onPresenceEvent);
    $("#live-state").textContent = "(ended)";
  } catch (e) {
    if (mine.signal.aborted) return;
    $("#live-state").textContent = "(not live)";
    showError(e instanceof ApiError ? e : new ApiError(0, "live events stopped: " + e.message));
  } finally {
    if (live === mine) live = null;
  }
}

function onPresenceEvent(ev) {
  const li = document.createElement("li");
  li.appendChild(time(ev.at));
  li.appendChild(document.createTextNode(" "));
  li.appendChild(el("span", ev.terminalId + " " + ev.event, "event"));
  li.appendChild(el("div", "cause " + ev.cause + (ev.missedWindows ? " · missed " + ev.missedWindows + " windows" : ""), "muted"));
  $("#live-events").prepend(li);
  refreshPresence().catch(showError);
}

// --- import -----------------------------------------------------------------------------------------
async function importCsv(text) {
  const r = await api("POST", "/modems/import", text, "text/csv");
  $("#import-summary").textContent = r.summary;
  const table = $("#import-report");
  const tbody = clearTable(table);
  const labels = labelsOf(table);
  for (const l of r.lines) {
    const status = el("span", l.status, "status-" + l.status);
    row(tbody, [l.line, l.imsi, status, l.reason], labels);
  }
  table.hidden = false;
}

// --- catalog ----------------------------------------------------------------------------------------
async function loadModels() {
  const table = $("#models");
  const tbody = clearTable(table);
  const labels = labelsOf(table);
  for (const m of await api("GET", "/device-models")) {
    row(tbody, [m.id, m.name, m.card, m.apduPath, m.blockSize, (m.tacs || []).join(", "), m.terminalIdPrefix], labels);
  }
}

async function loadRules() {
  const table = $("#rules");
  const tbody = clearTable(table);
  const labels = labelsOf(table);
  for (const v of await api("GET", "/config-rules")) {
    const s = v.rule.selector;
    const selects = Object.entries(s).map(([k, list]) => k + ": " + list.join(", ")).join("; ");
    const q = v.rule.requirement;
    const needs = q.profileType + " from " + q.platform + (q.plan ? " (" + q.plan + ")" : "") + ", " + q.enablePolicy;
    row(tbody, [v.name, v.version, v.rule.priority, selects, needs, time(v.createdAt)], labels);
  }
}

async function loadOrders() {
  const table = $("#orders");
  const tbody = clearTable(table);
  const labels = labelsOf(table);
  for (const o of await api("GET", "/operator/orders?limit=200")) {
    row(tbody, [o.id, o.platform, o.eid, o.iccid, el("span", o.state, "status-" + o.state), o.lastError, time(o.updatedAt)], labels);
  }
}

// --- campaigns --------------------------------------------------------------------------------------
const CONTROLS = { RUNNING: ["pause", "cancel"], PAUSED: ["resume", "cancel"], ABORTED: ["retry-failed"],
  COMPLETED: ["retry-failed"], CANCELLED: [] };

async function loadCampaigns() {
  const list = await api("GET", "/provisioning/campaigns?limit=100");
  const tbody = clearTable($("#campaigns"));
  for (const c of list) campaignRow(tbody, c);
  if (openCampaign !== null) await showCampaign(openCampaign);
  if (!liveCampaigns) followCampaigns();
}

function progressText(c) {
  const p = c.progress;
  return p.DONE + " done, " + p.FAILED + " failed, " + p.CANCELLED + " cancelled of " + c.terminals + " (" + c.percentDone + " %)";
}

function campaignRow(tbody, c) {
  const labels = labelsOf($("#campaigns"));
  const open = el("button", "#" + c.id, "secondary");
  open.type = "button";
  open.setAttribute("aria-label", "Show the terminals of campaign " + c.id);
  open.addEventListener("click", () => showCampaign(c.id).catch(showError));
  const controls = el("span");
  for (const action of CONTROLS[c.state] || []) {
    if (action === "retry-failed" && c.progress.FAILED === 0) continue;
    const b = el("button", action.replace("-", " "));
    b.type = "button";
    b.dataset.action = action;
    b.addEventListener("click", async () => {
      clearError();
      b.disabled = true;
      try {
        const after = await api("POST", "/provisioning/campaigns/" + c.id + "/" + action);
        updateCampaign(after);
      } catch (e) { showError(e); } finally { b.disabled = false; }
    });
    controls.appendChild(b);
    controls.appendChild(document.createTextNode(" "));
  }
  const tr = row(tbody, [open, c.name, el("span", c.state, "status-" + c.state), progressText(c),
    c.ratePerMinute + "/min, " + c.maxConcurrent, time(c.deadline), controls], labels);
  tr.id = "campaign-" + c.id;
  tr.dataset.state = c.state;
  return tr;
}

/** Replaces a campaign's row (or adds it first) with its new view; refreshes its terminals when they are shown. */
function updateCampaign(c) {
  const tbody = $("#campaigns tbody");
  const old = document.getElementById("campaign-" + c.id);
  const tr = campaignRow(tbody, c);
  if (old) old.replaceWith(tr); else tbody.prepend(tr);
  if (openCampaign === c.id) showCampaign(c.id).catch(showError);
}

async function showCampaign(id) {
  openCampaign = id;
  const jobs = await api("GET", "/provisioning/campaigns/" + id + "/terminals");
  $("#campaign-title").textContent = "Terminals of campaign #" + id;
  $("#campaign-title").hidden = false;
  const table = $("#campaign-terminals");
  table.hidden = false;
  const tbody = clearTable(table);
  const labels = labelsOf(table);
  for (const j of jobs) {
    const tr = row(tbody, [j.id, j.terminalId, el("span", j.state, "status-" + j.state), j.waitingFor || j.lastError,
      time(j.startedAt), time(j.updatedAt)], labels);
    tr.dataset.state = j.state;
  }
}

async function followCampaigns() {
  liveCampaigns = new AbortController();
  const mine = liveCampaigns;
  $("#campaigns-live").textContent = "(connecting)";
  try {
    await readEvents("/provisioning/campaigns/stream", mine.signal,
      () => { $("#campaigns-live").textContent = "(live)"; }, updateCampaign);
    $("#campaigns-live").textContent = "(ended)";
  } catch (e) {
    if (mine.signal.aborted) return;
    $("#campaigns-live").textContent = "(not live)";
    showError(e instanceof ApiError ? e : new ApiError(0, "live progress stopped: " + e.message));
  } finally {
    if (liveCampaigns === mine) liveCampaigns = null;
  }
}

// --- wiring -----------------------------------------------------------------------------------------
function onSubmit(form, handler) {
  $(form).addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearError();
    const button = $(form).querySelector("button[type=submit]");
    button.disabled = true;
    try { await handler(); } catch (e) { showError(e); } finally { button.disabled = false; }
  });
}

window.addEventListener("DOMContentLoaded", async () => {
  onSubmit("#login-form", async () => {
    await signIn($("#token").value.trim());
    $("#token").value = "";
    if (!location.hash || location.hash === "#/login") location.hash = "#/vehicles"; else route();
  });
  onSubmit("#find-form", () => find($("#find-kind").value, $("#find-value").value.trim()));
  onSubmit("#import-form", async () => {
    const file = $("#import-file").files[0];
    const text = file ? await file.text() : $("#import-text").value;
    if (!text.trim()) throw new ApiError(0, "choose a CSV file or paste one");
    await importCsv(text);
  });
  $("#holds-refresh").addEventListener("click", () => loadHolds().catch(showError));
  $("#sign-out").addEventListener("click", () => signOut());
  window.addEventListener("hashchange", route);
  const token = sessionStorage.getItem("vinbind.token");
  if (token) {
    try { await signIn(token); } catch (e) { showError(e); }
  }
  route();
});
