// Operator actions: ack, escalate, silence, resolve, note (one alert or a selection), silence approval,
// shift handover, and attention aids (sound, desktop notification) for new critical alerts.
import { api } from "./api.js";
import { t, fmtTime } from "./i18n.js";
import { h, groupKey, alertName, rowState } from "./render.js";
import { sheetNodes } from "./panels.js";
import { S, render, toast, updateBulkbar, now } from "./app.js";

const $ = (id) => document.getElementById(id);
let D = null; // the open action dialog: {action, ids}
let audio = null;
let handoverSheet = null;

function quote(v) { return String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"'); }

export function groupMatchers(row) {
  return Object.entries(row.group || {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}="${quote(v)}"`);
}

// ---- the action dialog -------------------------------------------------------------------------------
function openAction(action, ids) {
  const rows = ids.map((id) => S.rows.get(id)).filter(Boolean);
  if (!rows.length) return;
  D = { action, ids: rows.map((r) => r.id) };
  $("dlg-title").textContent = t(`dlg.${action}`);
  $("dlg-target").textContent = rows.length === 1 ? alertName(rows[0])
    : t("dlg.targets", { n: rows.length, names: rows.slice(0, 3).map(alertName).join("；") });
  const textLabel = { ack: "dlg.comment", resolve: "dlg.comment", note: "dlg.noteText", silence: "dlg.reason" }[action];
  $("dlg-text-row").hidden = !textLabel;
  $("dlg-text-label").textContent = textLabel ? t(textLabel) : "";
  $("dlg-text").value = "";
  $("dlg-text").required = action === "note" || action === "silence";
  const silence = action === "silence";
  $("dlg-matchers-row").hidden = !silence;
  $("dlg-ticket-row").hidden = !silence;
  $("dlg-expiry-row").hidden = !silence;
  if (silence) {
    const groups = new Map(rows.map((r) => [groupKey(r), r]));
    $("dlg-matchers").replaceChildren(...[...groups.values()].map((r) => h("li", { text: groupMatchers(r).join(", ") })));
    $("dlg-approval").hidden = !rows.some((r) => r.grade === "IMP" || r.grade === "CORE");
    $("dlg-ticket").value = "";
    $("dlg-expiry").value = "3600";
  }
  $("dlg-ok").textContent = t(`dlg.ok.${action}`);
  $("dlg-ok").className = action === "escalate" || action === "resolve" ? "danger" : "primary";
  $("dlg-error").textContent = "";
  $("dlg").showModal();
  (textLabel ? $("dlg-text") : $("dlg-ok")).focus();
}

function validate() {
  const text = $("dlg-text").value.trim();
  if (D.action === "note" && !text) return t("dlg.needText");
  if (D.action === "silence" && !text) return t("dlg.needReason");
  if (D.action === "silence" && !$("dlg-expiry").value) return t("dlg.needExpiry");
  return "";
}

async function single(action, id, text) {
  if (action === "ack") return api.ack(id, text);
  if (action === "escalate") return api.escalate(id);
  if (action === "resolve") return api.resolve(id, text);
  if (action === "note") return api.note(id, text);
  const row = S.rows.get(id);
  return api.silence({ matchers: groupMatchers(row), reason: text, ticket: $("dlg-ticket").value.trim(),
    ends_at: now() + Number($("dlg-expiry").value) });
}

async function submitAction(ev) {
  ev.preventDefault();
  const problem = validate();
  if (problem) { $("dlg-error").textContent = problem; return; }
  const text = $("dlg-text").value.trim();
  $("dlg-ok").disabled = true;
  try {
    if (D.ids.length === 1) {
      const result = await single(D.action, D.ids[0], text);
      toast(D.action === "silence" ? t(result.status === "pending_approval" ? "silence.createdPending" : "silence.created")
        : t("act.done", { action: t(`act.${D.action}`), ok: 1, bad: 0 }));
    } else {
      const body = { action: D.action, ids: D.ids, comment: text, reason: text, ticket: $("dlg-ticket").value.trim(),
        ends_at: now() + Number($("dlg-expiry").value || 0) };
      const result = await api.bulk(body);
      const values = Object.values(result.results);
      toast(t("act.done", { action: t(`act.${D.action}`), ok: values.filter((v) => v.ok).length, bad: values.filter((v) => !v.ok).length }));
      S.selected.clear();
      S.fullRender = true;
      render();
    }
    $("dlg").close();
  } catch (err) {
    $("dlg-error").textContent = t("act.failed", { msg: err.message });
  } finally {
    $("dlg-ok").disabled = false;
  }
}

// ---- clicks on the list and panels -------------------------------------------------------------------
function onListClick(ev) {
  const b = ev.target.closest("button");
  if (!b) return;
  if (b.dataset.act) openAction(b.dataset.act, [b.dataset.id]);
  else if (b.dataset.more) { S.expanded.add(b.dataset.more); S.dirty.add(b.dataset.more); render(); }
  else if (b.dataset.group) toggleGroup(b);
  else if (b.dataset.gselect) selectGroup(b.dataset.gselect);
  else if (b.dataset.page) { S.filter.page = Number(b.dataset.page); render(); }
}

function toggleGroup(b) {
  const k = b.dataset.group;
  const open = b.getAttribute("aria-expanded") !== "true";
  if (open) { S.collapsed.delete(k); S.opened.add(k); } else { S.collapsed.add(k); S.opened.delete(k); }
  S.dirty.add(k);
  render();
}

function selectGroup(k) {
  for (const r of S.rows.values()) if (groupKey(r) === k && rowState(r) !== "resolved") S.selected.add(r.id);
  S.dirty.add(k);
  render();
}

function onSelect(ev) {
  const box = ev.target.closest("input.sel");
  if (!box) return;
  if (box.checked) S.selected.add(box.dataset.id); else S.selected.delete(box.dataset.id);
  updateBulkbar();
}

async function onSilenceClick(ev) {
  const b = ev.target.closest("button");
  if (!b || !(b.dataset.approve || b.dataset.expire)) return;
  try {
    if (b.dataset.approve) await api.approve(b.dataset.approve);
    else await api.expire(b.dataset.expire);
    toast(t("act.done", { action: b.textContent, ok: 1, bad: 0 }));
  } catch (err) {
    toast(t("act.failed", { msg: err.message }));
  }
}

// ---- handover ----------------------------------------------------------------------------------------
export function renderHandoverBanner(hand) {
  const el = $("handover-banner");
  el.hidden = !hand;
  if (!hand) return;
  const out = hand.outgoing_names.join("、") || "—";
  const inc = hand.incoming_names.join("、") || "—";
  const due = hand.supervisor_paged ? h("strong", { text: t("handover.paged") })
    : hand.page_due_at ? h("span", null, h("span", { "data-until": String(hand.page_due_at) }), " ", t("handover.due")) : null;
  el.classList.toggle("paged", Boolean(hand.supervisor_paged));
  el.replaceChildren(h("span", { text: t("handover.banner", { out, inc }) }), due,
    h("button", { type: "button", "data-handover": "open", text: t("handover.confirm") }));
}

async function openHandover() {
  $("ho-error").textContent = "";
  let data;
  try { data = await api.handover(); } catch (err) { toast(t("act.failed", { msg: err.message })); return; }
  handoverSheet = data.open;
  const body = data.open ? sheetNodes(data.open) : [h("p", { text: t("handover.none") })];
  const recent = (data.recent || []).filter((s) => !data.open || s.id !== data.open.id).slice(0, 5);
  if (recent.length) {
    body.push(h("h3", { text: t("handover.recent") }), h("ul", null, ...recent.map((s) => h("li", {
      text: `${fmtTime(s.created_at)} ${s.outgoing_names.join("、")} → ${s.incoming_names.join("、")} · ${t(`handover.status.${s.status}`)}${s.confirmed_by ? ` (${s.confirmed_by})` : ""}` }))));
  }
  $("ho-body").replaceChildren(...body);
  $("ho-confirm").hidden = !data.open;
  $("ho-comment-row").hidden = !data.open;
  $("ho-comment").value = "";
  $("dlg-handover").showModal();
  (data.open ? $("ho-comment") : $("ho-start")).focus();
}

async function confirmHandover() {
  if (!handoverSheet) return;
  try {
    const sheet = await api.handoverConfirm(handoverSheet.id, $("ho-comment").value.trim());
    toast(t("handover.confirmed", { who: sheet.confirmed_by }));
    $("dlg-handover").close();
  } catch (err) {
    $("ho-error").textContent = t("act.failed", { msg: err.message });
  }
}

async function startHandover() {
  try {
    await api.handoverStart();
    toast(t("handover.started"));
    $("dlg-handover").close();
    await openHandover();
  } catch (err) {
    $("ho-error").textContent = t("act.failed", { msg: err.message });
  }
}

// ---- attention: sound and desktop notification for new critical alerts --------------------------------
function beep() {
  if (!audio) return;
  const start = audio.currentTime;
  for (const [i, freq] of [[0, 880], [1, 660], [2, 880]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.2, start + i * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.18 + 0.16);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.18);
    osc.stop(start + i * 0.18 + 0.17);
  }
}

export function attention(fresh) {
  const critical = fresh.filter((r) => r.status === "firing" && r.severity === "critical");
  if (!critical.length) return;
  if (localStorage.getItem("secops.sound") === "on") beep();
  if (localStorage.getItem("secops.notify") === "on" && "Notification" in window && Notification.permission === "granted") {
    const extra = critical.length > 1 ? ` (+${critical.length - 1})` : "";
    const n = new Notification(t("notify.title"), { body: alertName(critical[0]) + extra, tag: "secops-critical" });
    n.onclick = () => { window.focus(); location.hash = `#/alerts/${critical[0].id}`; };
  }
  document.body.dataset.lastCritical = critical[0].id; // after the sound and the notification went out
}

function syncToggles() {
  $("btn-sound").setAttribute("aria-pressed", String(localStorage.getItem("secops.sound") === "on"));
  $("btn-notify").setAttribute("aria-pressed", String(localStorage.getItem("secops.notify") === "on"));
}

async function toggleSound() {
  const on = localStorage.getItem("secops.sound") !== "on";
  localStorage.setItem("secops.sound", on ? "on" : "off");
  if (on && !audio) audio = new (window.AudioContext || window.webkitAudioContext)();
  if (on) { await audio.resume(); beep(); }
  syncToggles();
}

async function toggleNotify() {
  const on = localStorage.getItem("secops.notify") !== "on";
  if (on && "Notification" in window && Notification.permission !== "granted") {
    const answer = await Notification.requestPermission();
    if (answer !== "granted") { toast(t("notify.denied")); return; }
  }
  localStorage.setItem("secops.notify", on ? "on" : "off");
  syncToggles();
}

export function initActions() {
  $("alerts").addEventListener("click", onListClick);
  $("alerts").addEventListener("change", onSelect);
  $("silence-list").addEventListener("click", onSilenceClick);
  $("dlg-form").addEventListener("submit", submitAction);
  $("dlg-cancel").addEventListener("click", () => $("dlg").close());
  $("bulkbar").addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (b && b.dataset.bulk) openAction(b.dataset.bulk, [...S.selected]);
  });
  $("bulk-clear").addEventListener("click", () => { S.selected.clear(); S.fullRender = true; render(); });
  $("btn-handover").addEventListener("click", openHandover);
  $("handover-banner").addEventListener("click", (ev) => { if (ev.target.closest("[data-handover]")) openHandover(); });
  $("ho-confirm").addEventListener("click", confirmHandover);
  $("ho-start").addEventListener("click", startHandover);
  $("ho-close").addEventListener("click", () => $("dlg-handover").close());
  $("btn-sound").addEventListener("click", toggleSound);
  $("btn-notify").addEventListener("click", toggleNotify);
  if (localStorage.getItem("secops.sound") === "on") audio = new (window.AudioContext || window.webkitAudioContext)();
  syncToggles();
}
