// The console: state, filters in the URL, rendering, live updates (server-sent events).
import { api, setCsrf } from "./api.js";
import { t, setLang, getLang, translatePage, fmtTime } from "./i18n.js";
import {
  STATES, rowState, groupKey, sevRank, groupNode, flatTable, counterNodes, dutyNodes, gapsText, refreshSince,
} from "./render.js";
import { silenceNodes, healthNodes } from "./panels.js";
import { initActions, attention, renderHandoverBanner } from "./actions.js";

const $ = (id) => document.getElementById(id);
const FILTER_KEYS = ["state", "sev", "grade", "rule", "src", "q", "view", "page"];
const PAGE_SIZE = 200;
const OPEN_GROUPS = 20; // groups shown open by default (more would be a wall of text and slow to draw)
const RESOLVED_WINDOW = 3600;

export const S = {
  rows: new Map(), silences: new Map(), silenceList: [], duty: null, health: null, me: null,
  skew: 0, filter: {}, focusId: null, selected: new Set(), expanded: new Set(), collapsed: new Set(),
  groupNodes: new Map(), dirty: new Set(), fullRender: true, booted: false, liveLost: false,
  opened: new Set(), renders: 0, renderedRows: 0, lastRenderMs: 0, renderTimer: null, lastRenderAt: 0, source: null,
};

export const now = () => Date.now() / 1000 + S.skew;

// ---- filters in the URL ------------------------------------------------------------------------------
function parseHash() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const p = new URLSearchParams(query || "");
  S.filter = Object.fromEntries(FILTER_KEYS.map((k) => [k, p.get(k) || ""]));
  S.filter.page = Number(S.filter.page) || 1;
  const m = /^\/alerts\/([\w-]+)/.exec(path || "");
  S.focusId = m ? m[1] : null;
  if (p.get("lang")) localStorage.setItem("secops.lang", p.get("lang"));
  if (p.get("theme")) localStorage.setItem("secops.theme", p.get("theme"));
}

export function filterQuery() {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (S.filter[k] && !(k === "page" && S.filter[k] === 1)) p.set(k, S.filter[k]);
  return p.toString();
}

export function setFilter(changes) {
  Object.assign(S.filter, changes);
  if (!("page" in changes)) S.filter.page = 1;
  const q = filterQuery();
  history.replaceState(null, "", `#/alerts${q ? `?${q}` : ""}`);
  syncFilterForm();
  S.fullRender = true;
  render();
}

function syncFilterForm() {
  for (const [id, k] of [["f-sev", "sev"], ["f-grade", "grade"], ["f-state", "state"], ["f-rule", "rule"], ["f-src", "src"], ["f-q", "q"], ["f-view", "view"]]) {
    if ($(id).value !== S.filter[k]) $(id).value = S.filter[k];
  }
}

function rowText(row) {
  if (!row._text) {
    const ack = row.ack ? `${row.ack.person} ${row.ack.comment}` : "";
    row._text = [row.summary, row.alertname, row.rule_id, row.category, ...Object.values(row.labels), ...row.samples, ack,
      ...row.notes.map((n) => n.text)].join("\n").toLowerCase();
  }
  return row._text;
}

function sourceText(row) {
  return Object.entries(row.labels).filter(([k]) => /source|observer|host|dataset/.test(k)).map(([, v]) => v).join(" ").toLowerCase();
}

function matches(row, f) {
  const state = rowState(row);
  if (f.state ? state !== f.state : state === "resolved") return false;
  if (f.sev && !f.sev.split(",").includes(row.severity)) return false;
  if (f.grade && !f.grade.split(",").includes(row.grade)) return false;
  if (f.rule) {
    const r = f.rule.toLowerCase();
    if (!row.alertname.toLowerCase().includes(r) && !row.rule_id.toLowerCase().includes(r)) return false;
  }
  if (f.src && !sourceText(row).includes(f.src.toLowerCase())) return false;
  return !f.q || rowText(row).includes(f.q.toLowerCase());
}

// ---- rendering ---------------------------------------------------------------------------------------
const STATE_RANK = Object.fromEntries(STATES.map((s, i) => [s, i]));
const byRow = (a, b) => (STATE_RANK[rowState(a)] - STATE_RANK[rowState(b)]) || (sevRank(a.severity) - sevRank(b.severity)) || (b.starts_at - a.starts_at);

function ctx() { return { selected: S.selected, expanded: S.expanded, collapsed: S.collapsed, silences: S.silences }; }

function focusKey() {
  const el = document.activeElement;
  if (!el || el === document.body || !$("alerts").contains(el)) return null;
  for (const attr of ["data-act", "data-group", "data-more", "data-gselect"]) {
    if (el.hasAttribute(attr)) return `[${attr}="${CSS.escape(el.getAttribute(attr))}"]${el.dataset.id ? `[data-id="${CSS.escape(el.dataset.id)}"]` : ""}`;
  }
  return el.classList.contains("sel") ? `.sel[data-id="${CSS.escape(el.dataset.id)}"]` : null;
}

function reconcile(container, nodes) {
  let cur = container.firstChild;
  for (const n of nodes) {
    if (cur === n) { cur = cur.nextSibling; continue; }
    container.insertBefore(n, cur);
  }
  while (cur) { const next = cur.nextSibling; cur.remove(); cur = next; }
}

function renderGroups(visible, container) {
  const groups = new Map();
  for (const r of visible) {
    const k = groupKey(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
  const sorted = [...groups.entries()].map(([k, rs]) => [k, rs.sort(byRow)]).sort((a, b) => byRow(a[1][0], b[1][0]));
  const nodes = [];
  const c = ctx();
  for (const [index, [k, rs]] of sorted.entries()) {
    const open = S.collapsed.has(k) ? false : S.opened.has(k) || index < OPEN_GROUPS;
    const old = S.groupNodes.get(k);
    let node = old;
    if (!old || S.fullRender || S.dirty.has(k) || old.dataset.open !== String(open)) {
      node = groupNode(k, rs, c, open);
      S.groupNodes.set(k, node);
      if (old && old.parentNode === container) old.replaceWith(node);
    }
    nodes.push(node);
  }
  for (const k of [...S.groupNodes.keys()]) if (!groups.has(k)) S.groupNodes.delete(k);
  if (!nodes.length) nodes.push(emptyNode());
  if (container.firstChild && container.firstChild.classList && container.firstChild.classList.contains("flat")) container.replaceChildren();
  reconcile(container, nodes);
}

let empty = null;
function emptyNode() {
  if (!empty) empty = document.createElement("p");
  empty.className = "empty";
  empty.textContent = t("alerts.empty");
  return empty;
}

export function render() {
  clearTimeout(S.renderTimer);
  S.renderTimer = null;
  const started = performance.now();
  const rows = [...S.rows.values()];
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const r of rows) counts[rowState(r)] += 1;
  $("counters").replaceChildren(...counterNodes(counts, S.filter.state));
  const visible = rows.filter((r) => matches(r, S.filter));
  const container = $("alerts");
  const refocus = focusKey();
  if (S.filter.view === "flat") {
    container.replaceChildren(...flatTable(visible.sort(byRow), S.filter.page, PAGE_SIZE, ctx()));
    S.groupNodes.clear();
  } else {
    renderGroups(visible, container);
  }
  if (refocus && (document.activeElement === document.body || !document.activeElement)) {
    const el = container.querySelector(refocus);
    if (el) el.focus();
  }
  S.dirty.clear();
  S.fullRender = false;
  refreshSince(container, now());
  updateBulkbar();
  container.setAttribute("aria-busy", "false");
  S.renders += 1;
  S.renderedRows = rows.length;
  S.lastRenderMs = performance.now() - started;
  S.lastRenderAt = performance.now();
  document.body.dataset.renders = String(S.renders);
  if (S.renders === 1) document.body.dataset.firstRenderMs = performance.now().toFixed(1);
}

/** Coalesce live updates: render at most every max(150 ms, 2 x the last render time). */
export function scheduleRender() {
  if (S.renderTimer) return;
  const gap = Math.max(150, 2 * S.lastRenderMs);
  const wait = Math.max(0, S.lastRenderAt + gap - performance.now());
  S.renderTimer = setTimeout(render, wait);
}

export function updateBulkbar() {
  for (const id of [...S.selected]) if (!S.rows.has(id)) S.selected.delete(id);
  $("bulkbar").hidden = S.selected.size === 0;
  $("bulk-count").textContent = t("bulk.count", { n: S.selected.size });
}

function renderHeader() {
  if (!S.duty) return;
  const hand = S.duty.handover;
  $("duty-tiers").replaceChildren(...dutyNodes(S.duty, hand));
  const gaps = $("duty-gaps");
  gaps.textContent = gapsText(S.duty, 7);
  gaps.classList.toggle("none", !(S.duty.gaps || []).length);
  renderHandoverBanner(hand);
  refreshSince($("duty"), now());
}

function renderSide() {
  $("silence-list").replaceChildren(...silenceNodes(S.silenceList, S.me, now()));
  if (S.health) $("health-body").replaceChildren(...healthNodes(S.health, now()));
}

// ---- data in -----------------------------------------------------------------------------------------
function onMeta(m) {
  S.skew = m.now - Date.now() / 1000;
  S.duty = m.duty;
  S.health = m.health;
  S.silenceList = m.silences;
  S.silences = new Map(m.silences.map((s) => [s.id, s]));
  renderHeader();
  renderSide();
  // a card silenced before this message arrived shows its silence's owner, reason and time left only now
  let silenced = false;
  for (const row of S.rows.values()) {
    if (row.quiet && row.quiet.reason === "silenced") {
      S.dirty.add(groupKey(row));
      silenced = true;
    }
  }
  if (silenced) scheduleRender();
}

function onRows(data) {
  const fresh = [];
  for (const row of data.rows) {
    const prev = S.rows.get(row.id);
    if (!prev) fresh.push(row);
    else if (groupKey(prev) !== groupKey(row)) S.dirty.add(groupKey(prev));
    S.rows.set(row.id, row);
    S.dirty.add(groupKey(row));
  }
  pruneResolved();
  if (S.booted) attention(fresh);
  scheduleRender();
}

function pruneResolved() {
  const limit = now() - RESOLVED_WINDOW;
  for (const [id, r] of S.rows) {
    if (r.status !== "firing" && (r.ends_at || 0) < limit) { S.rows.delete(id); S.dirty.add(groupKey(r)); }
  }
}

export async function loadState() {
  const data = await api.state();
  if (data.csrf) setCsrf(data.csrf);
  S.me = data.me;
  $("me").textContent = data.me.display_name;
  const groups = data.groups || {};
  S.rows = new Map(data.rows.map((r) => [r.id, groups[r.incident] ? Object.assign({}, groups[r.incident], r) : r]));
  onMeta(data);
  S.fullRender = true;
  render();
}

function connect() {
  if (S.source) S.source.close();
  const es = new EventSource("/api/v1/console/stream");
  S.source = es;
  es.addEventListener("rows", (ev) => onRows(JSON.parse(ev.data)));
  es.addEventListener("meta", (ev) => onMeta(JSON.parse(ev.data)));
  es.addEventListener("resync", () => { loadState().catch(() => {}); });
  es.addEventListener("open", () => {
    if (S.liveLost) { S.liveLost = false; toast(t("live.back")); loadState().catch(() => {}); }
  });
  es.addEventListener("error", () => {
    if (!S.liveLost) { S.liveLost = true; toast(t("live.lost")); }
    if (es.readyState === EventSource.CLOSED) setTimeout(() => checkSession().then((ok) => ok && connect()), 2000);
  });
}

// ---- chrome ------------------------------------------------------------------------------------------
let toastTimer = null;
export function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 4000);
}

function applyPrefs() {
  const theme = localStorage.getItem("secops.theme") === "dark" ? "dark" : "light";
  document.documentElement.dataset.theme = theme;
  $("btn-theme").setAttribute("aria-pressed", String(theme === "dark"));
  setLang(localStorage.getItem("secops.lang") || "zh-CN");
  translatePage();
}

function switchLang() {
  localStorage.setItem("secops.lang", getLang() === "en" ? "zh-CN" : "en");
  applyPrefs();
  fillPresets();
  S.fullRender = true;
  if (S.booted) { render(); renderHeader(); renderSide(); }
}

const BUILTIN_PRESETS = [["preset.all", ""], ["preset.unacked", "state=unacked"], ["preset.critical", "state=unacked&sev=critical,high"],
  ["preset.important", "grade=IMP,CORE"], ["preset.silenced", "state=silenced"]];

function savedPresets() {
  try { return JSON.parse(localStorage.getItem("secops.presets") || "[]"); } catch (_) { return []; }
}

function fillPresets() {
  const sel = $("f-preset");
  const opt = (label, value) => { const o = document.createElement("option"); o.textContent = label; o.value = value; return o; };
  const shared = document.createElement("optgroup");
  shared.label = "共享 / shared";
  shared.append(...BUILTIN_PRESETS.map(([k, q]) => opt(t(k), q)));
  const mine = document.createElement("optgroup");
  mine.label = "我的 / mine";
  mine.append(...savedPresets().map((p) => opt(p.name, p.q)));
  sel.replaceChildren(opt(t("f.choose"), "__none"), shared, mine);
}

function initFilters() {
  const map = { "f-sev": "sev", "f-grade": "grade", "f-state": "state", "f-view": "view" };
  for (const [id, k] of Object.entries(map)) $(id).addEventListener("change", () => setFilter({ [k]: $(id).value }));
  for (const [id, k] of [["f-rule", "rule"], ["f-src", "src"], ["f-q", "q"]]) {
    let timer = null;
    $(id).addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => setFilter({ [k]: $(id).value }), 200); });
  }
  $("filters").addEventListener("submit", (ev) => ev.preventDefault());
  $("f-preset").addEventListener("change", () => {
    const q = $("f-preset").value;
    if (q === "__none") return;
    const p = new URLSearchParams(q);
    setFilter(Object.fromEntries(FILTER_KEYS.map((k) => [k, p.get(k) || ""])));
    $("f-preset").value = "__none";
  });
  $("btn-save-preset").addEventListener("click", () => {
    const name = window.prompt(t("f.presetName"));
    if (!name) return;
    const presets = savedPresets().filter((p) => p.name !== name);
    presets.push({ name, q: filterQuery() });
    localStorage.setItem("secops.presets", JSON.stringify(presets));
    fillPresets();
  });
  $("btn-clear").addEventListener("click", () => setFilter(Object.fromEntries(FILTER_KEYS.map((k) => [k, ""]))));
  $("counters").addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-state]");
    if (b) setFilter({ state: S.filter.state === b.dataset.state ? "" : b.dataset.state });
  });
  window.addEventListener("hashchange", () => { parseHash(); syncFilterForm(); S.fullRender = true; render(); focusAlert(); });
}

function focusAlert() {
  const row = S.focusId && S.rows.get(S.focusId);
  if (!row) return;
  const k = groupKey(row);
  S.expanded.add(k);
  S.opened.add(k);
  S.collapsed.delete(k);
  S.dirty.add(k);
  if (rowState(row) === "resolved") S.filter.state = "resolved";
  render();
  const el = document.getElementById(`a-${row.id}`);
  if (el) { el.scrollIntoView({ block: "center" }); el.classList.add("flash"); (el.querySelector("button:not([disabled])") || el).focus(); }
}

function tickClock() {
  $("clock").textContent = fmtTime(now());
  refreshSince($("duty"), now());
}

// ---- sign-in and start -------------------------------------------------------------------------------
async function checkSession() {
  try {
    const s = await api.session();
    setCsrf(s.csrf);
    S.me = s.me;
    return true;
  } catch (err) {
    if (err.status === 401 || err.status === 403) showLogin();
    return false;
  }
}

function showLogin(message) {
  if (S.source) { S.source.close(); S.source = null; }
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("login-token").focus();
}

async function login(ev) {
  ev.preventDefault();
  const token = $("login-token").value.trim();
  try {
    const s = await api.login(token);
    setCsrf(s.csrf);
    $("login-token").value = "";
    await start();
  } catch (err) {
    const msg = err.status === 401 ? t("login.bad") : err.status === 403 ? t("login.role") : err.message;
    $("login-error").textContent = t("login.failed", { msg });
  }
}

async function start() {
  $("login").hidden = true;
  $("app").hidden = false;
  $("alerts").setAttribute("aria-busy", "true");
  await loadState();
  connect();
  S.booted = true;
  focusAlert();
}

async function boot() {
  parseHash();
  applyPrefs();
  fillPresets();
  syncFilterForm();
  initFilters();
  initActions();
  for (const b of document.querySelectorAll(".lang-switch")) b.addEventListener("click", switchLang);
  $("login-form").addEventListener("submit", login);
  $("btn-theme").addEventListener("click", () => {
    localStorage.setItem("secops.theme", document.documentElement.dataset.theme === "dark" ? "light" : "dark");
    applyPrefs();
  });
  $("btn-logout").addEventListener("click", async () => {
    try { await api.logout(); } finally { location.reload(); }
  });
  setInterval(tickClock, 1000);
  setInterval(() => { if (S.booted) { refreshSince($("alerts"), now()); renderSide(); } }, 5000);
  try {
    await start();
  } catch (err) {
    if (err.status === 401 || err.status === 403) showLogin(); else throw err;
  }
}

window.secopsConsole = {
  stats: () => ({ rows: S.rows.size, renders: S.renders, renderedRows: S.renderedRows, lastRenderMs: S.lastRenderMs,
    dom: document.getElementsByTagName("*").length }),
};

boot();
