// DOM builders. Data goes in through textContent only (never innerHTML), so alert text cannot inject markup.
import { t, fmtTime, fmtDur, fmtCountdown, gradeLabel } from "./i18n.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "informational"];
export const STATES = ["unacked", "acked", "silenced", "resolved"];
const SEV_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));
export const ROWS_PER_GROUP = 5;

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "for" || k === "type") el.setAttribute(k, v);
      else el[k] = v;
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function rowState(row) {
  if (row.status !== "firing") return "resolved";
  if (row.quiet && row.quiet.reason === "silenced") return "silenced";
  return row.ack ? "acked" : "unacked";
}

export function sevRank(sev) { return SEV_RANK[sev] ?? 9; }

export function groupKey(row) { return row.incident || `rule:${row.alertname}`; }

export function groupName(row) {
  const labels = row.group || {};
  const first = labels.alertname ? [labels.alertname] : [];
  const rest = Object.entries(labels).filter(([k]) => k !== "alertname").map(([k, v]) => `${k}=${v || "—"}`);
  return [...first, ...rest].join(" · ") || row.alertname;
}

export function alertName(row) { return row.summary || row.alertname; }

function since(epoch, fmt) {
  return h("span", { "data-since": String(epoch), "data-fmt": fmt });
}

export function refreshSince(root, now) {
  for (const el of root.querySelectorAll("[data-since]")) {
    const d = fmtDur(now - Number(el.dataset.since));
    el.textContent = el.dataset.fmt === "changed" ? t("a.changed", { d }) : el.dataset.fmt === "ago" ? d : t("a.age", { d });
  }
  for (const el of root.querySelectorAll("[data-until]")) el.textContent = fmtCountdown(Number(el.dataset.until) - now);
}

function sevPill(sev) { return h("span", { class: `pill sev-${sev}`, text: t(`sev.${sev}`) }); }
function gradeBadge(grade) { return h("span", { class: `grade g-${grade || "none"}`, text: gradeLabel(grade), title: grade || "" }); }

function ackLine(row) {
  if (!row.ack) return null;
  const line = h("div", { class: "ackline", text: t("a.ackBy", { who: row.ack.name || row.ack.person, at: fmtTime(row.ack.at) }) });
  if (row.ack.comment) line.append(" · ", t("a.comment", { c: row.ack.comment }));
  return line;
}

function escalationLine(row) {
  const e = row.escalation || {};
  if (row.phase === "unrouted") return h("span", { text: t("a.noplaybook") });
  const parts = [h("span", { text: t(`phase.${row.phase}`) })];
  if (e.index) parts.push(h("span", { text: t("a.step", { n: e.index, kind: t(`kind.${e.kind}`) }) }));
  if (e.next_at && (row.phase === "active" || row.phase === "pending")) {
    const next = h("span", { class: "next" }, `${fmtTime(e.next_at, false)} (`, h("span", { "data-until": String(e.next_at) }), ")");
    parts.push(next);
  }
  return h("span", { class: "esc" }, ...parts.flatMap((p, i) => (i ? [" · ", p] : [p])));
}

export function quietText(row, silences) {
  const q = row.quiet;
  if (!q) return "";
  if (q.reason === "silenced") {
    const s = silences.get(q.silence);
    return t("quiet.silenced", { who: s ? s.owner_name : "?", reason: s ? s.reason : "", left: s ? fmtDur(s.ends_at - Date.now() / 1000) : "" });
  }
  return t(`quiet.${q.reason}`, { detail: q.detail || "" });
}

function deliveries(row) {
  const entries = Object.entries(row.deliveries || {});
  if (!entries.length) return null;
  return h("span", { class: "deliv", "aria-label": t("a.deliveries") },
    ...entries.map(([ch, d]) => h("span", { class: `chip d-${d.outcome}`, title: d.detail || "", text: `${ch}: ${t(`out.${d.outcome}`)}` })));
}

function actionButtons(row) {
  const name = alertName(row);
  const firing = row.status === "firing";
  const btn = (act, enabled) => h("button", {
    type: "button", "data-act": act, "data-id": row.id, text: t(`act.${act}`),
    "aria-label": t(`act.${act}Label`, { name }), disabled: !enabled,
  });
  return h("div", { class: "actions" },
    btn("ack", firing && !row.ack && row.phase !== "unrouted"),
    btn("escalate", firing && (row.phase === "active" || row.phase === "pending")),
    btn("silence", firing && row.phase !== "unrouted"),
    btn("resolve", firing),
    btn("note", row.phase !== "unrouted"));
}

export function alertNode(row, ctx) {
  const state = rowState(row);
  const name = alertName(row);
  const check = h("input", { type: "checkbox", class: "sel", "data-id": row.id, "aria-label": t("a.select", { name }),
    checked: ctx.selected.has(row.id) });
  const line1 = h("div", { class: "line1" }, sevPill(row.severity), gradeBadge(row.grade),
    row.category ? h("span", { class: "chip", text: `${t("a.category")}: ${row.category}` }) : null,
    h("span", { class: `state ${state}`, text: t(`state.${state}.s`) }), h("span", { class: "summary", text: name }));
  const meta = h("div", { class: "meta" }, h("span", { class: "mono", text: row.alertname }),
    h("span", { text: t("a.count", { n: row.count }) }), since(row.starts_at, "age"), since(row.changed_at, "changed"),
    h("span", { text: t("a.firstSeen", { at: fmtTime(row.starts_at) }) }));
  const samples = row.samples && row.samples.length
    ? h("div", { class: "samples" }, `${t("a.samples")}: `, row.samples.join("  ")) : null;
  const quiet = quietText(row, ctx.silences);
  const life = h("div", { class: "life" }, escalationLine(row), deliveries(row));
  const notes = row.notes && row.notes.length
    ? h("ul", { class: "notes", "aria-label": t("a.notes") }, ...row.notes.slice(-3).map((n) =>
      h("li", { text: `${fmtTime(n.at, false)} ${n.person}: ${n.text}` }))) : null;
  const main = h("div", { class: "main" }, line1, samples, meta, ackLine(row),
    quiet ? h("div", { class: "quiet", text: quiet }) : null, life, notes);
  return h("article", { class: `alert ${state}`, id: `a-${row.id}`, "data-id": row.id, "aria-label": name },
    check, main, actionButtons(row));
}

function sharedLabels(rows) {
  const head = rows[0];
  const identity = [["alertname", head.alertname], ["rule_id", head.rule_id], ["severity", head.severity], ["data_grade", head.grade]]
    .filter(([k, v]) => rows.every((r) => ({ alertname: r.alertname, rule_id: r.rule_id, severity: r.severity, data_grade: r.grade })[k] === v));
  const extra = Object.entries(head.labels || {}).filter(([k, v]) => rows.every((r) => (r.labels || {})[k] === v));
  return [...identity, ...extra].map(([k, v]) => `${k}=${v}`).join("  ");
}

/** A group: header always; its alerts only while it is open (closed groups cost one line of DOM). */
export function groupNode(key, rows, ctx, open) {
  const head = rows[0];
  const name = groupName(head);
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const r of rows) counts[rowState(r)] += 1;
  const worst = rows.reduce((a, r) => (sevRank(r.severity) < sevRank(a) ? r.severity : a), "informational");
  const collapsed = !open;
  const bodyId = `g-${key.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  const toggle = h("button", { type: "button", class: "toggle", "data-group": key, "aria-expanded": String(!collapsed),
    "aria-controls": bodyId, "aria-label": t("group.toggle", { name }), text: name });
  const tally = STATES.filter((s) => counts[s]).map((s) => `${t(`state.${s}.s`)} ${counts[s]}`).join(" · ");
  const firing = rows.filter((r) => r.status === "firing");
  const gactions = h("div", { class: "gactions" },
    h("button", { type: "button", "data-gselect": key, text: t("group.select"), "aria-label": t("group.selectLabel", { name }) }),
    h("button", { type: "button", "data-act": "silence", "data-id": (firing[0] || head).id, text: t("group.silence"),
      "aria-label": t("group.silenceLabel", { name }), disabled: !firing.length || head.phase === "unrouted" }));
  const headEl = h("div", { class: "group-head" }, toggle, sevPill(worst), gradeBadge(head.grade),
    h("span", { class: "tally", text: `${t("group.tally", { n: rows.length })} · ${tally}` }), gactions);
  const body = h("div", { id: bodyId, class: "group-body", hidden: collapsed });
  if (!collapsed) {
    const limit = ctx.expanded.has(key) ? rows.length : ROWS_PER_GROUP;
    for (const r of rows.slice(0, limit)) body.append(alertNode(r, ctx));
    if (rows.length > limit) {
      body.append(h("div", { class: "more" }, h("button", { type: "button", "data-more": key,
        text: t("group.more", { n: rows.length - limit }), "aria-label": `${name}: ${t("group.more", { n: rows.length - limit })}` })));
    }
    body.append(h("div", { class: "group-foot", text: `${t("group.shared")}: ${sharedLabels(rows)}` }));
  }
  const section = h("section", { class: `group sev-${worst}`, "data-group": key, "aria-label": name }, headEl, body);
  section.dataset.open = String(!collapsed);
  return section;
}

export function flatTable(rows, page, pageSize, ctx) {
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const p = Math.min(page, pages);
  const cols = ["col.select", "col.sev", "col.grade", "col.alert", "col.state", "col.count", "col.age", "col.ack", "col.esc", "col.actions"];
  const table = h("table", { class: "flat" }, h("thead", null, h("tr", null, ...cols.map((c) => h("th", { scope: "col", text: t(c) })))));
  const tbody = h("tbody");
  for (const r of rows.slice((p - 1) * pageSize, p * pageSize)) {
    const name = alertName(r);
    const state = rowState(r);
    tbody.append(h("tr", { id: `a-${r.id}`, "data-id": r.id },
      h("td", null, h("input", { type: "checkbox", class: "sel", "data-id": r.id, "aria-label": t("a.select", { name }), checked: ctx.selected.has(r.id) })),
      h("td", null, sevPill(r.severity)), h("td", null, gradeBadge(r.grade)),
      h("td", null, h("div", { class: "summary", text: name }), r.samples.length ? h("div", { class: "samples", text: r.samples.join("  ") }) : null),
      h("td", null, h("span", { class: `state ${state}`, text: t(`state.${state}.s`) })),
      h("td", { text: String(r.count) }), h("td", null, since(r.starts_at, "ago")),
      h("td", { text: r.ack ? `${r.ack.name || r.ack.person} ${r.ack.comment || ""}` : "" }),
      h("td", null, escalationLine(r)), h("td", null, actionButtons(r))));
  }
  table.append(tbody);
  const pager = h("nav", { class: "pager", "aria-label": t("pager.page", { p, n: pages }) },
    h("button", { type: "button", "data-page": String(p - 1), disabled: p <= 1, text: t("pager.prev") }),
    h("span", { text: t("pager.page", { p, n: pages }) }),
    h("button", { type: "button", "data-page": String(p + 1), disabled: p >= pages, text: t("pager.next") }));
  return [table, pager];
}

export function counterNodes(counts, active) {
  return STATES.map((s) => h("button", { type: "button", class: `counter ${s}`, "data-state": s,
    "aria-pressed": String(active === s), "aria-label": `${t(`state.${s}`)}: ${counts[s]}` },
  h("span", { class: "n", text: String(counts[s]) }), h("span", { class: "l", text: t(`state.${s}`) })));
}

export function dutyNodes(duty, hand) {
  const holding = hand ? new Set(hand.outgoing) : new Set();
  return (duty.tiers || []).map((tier) => {
    const people = tier.people.map((p) => p.name).join("、") || t("duty.none");
    const held = tier.role === "handover" && tier.people.some((p) => holding.has(p.id));
    return h("div", { class: `tier${held ? " holding" : ""}` }, h("span", { class: "tname", text: `${tier.name || tier.tier}:` }),
      h("span", { class: "who", text: people + (held ? ` ${t("duty.holding")}` : "") }),
      tier.until ? h("span", { class: "handoff" }, `${t("duty.until")} ${fmtTime(tier.until, false)} `,
        h("span", { "data-until": String(tier.until) })) : h("span", { class: "handoff", text: t("duty.static") }));
  });
}

export function gapsText(duty, days) {
  const gaps = duty.gaps || [];
  if (!gaps.length) return t("duty.nogaps");
  return t("duty.gaps", { n: days, list: gaps.slice(0, 3).map((g) => `${g.tier} ${fmtTime(g.start)}–${fmtTime(g.end, false)}`).join("；") });
}
