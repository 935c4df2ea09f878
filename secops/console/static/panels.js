// Side panels (silences, pipeline health) and the handover sheet.
import { t, fmtTime, fmtDur } from "./i18n.js";
import { h } from "./render.js";

export function silenceNodes(silences, me, now) {
  if (!silences.length) return [h("li", { class: "muted", text: t("silences.none") })];
  return silences.map((s) => {
    const status = s.status === "pending_approval" ? t("silence.pending") : t(`silence.${s.status}`);
    const timing = s.status === "expired" ? t("silence.expiredAgo", { ago: fmtDur(now - s.ends_at) })
      : t("silence.left", { left: fmtDur(s.ends_at - now) });
    const buttons = h("div", { class: "sbuttons" });
    if (s.status === "pending_approval") {
      const own = me && s.owner === me.name;
      buttons.append(h("button", { type: "button", class: "primary", "data-approve": s.id, disabled: own,
        title: own ? t("silence.ownApproval") : "", text: t("silence.approve"), "aria-label": t("silence.approveLabel", { id: s.id }) }));
    }
    if (s.status !== "expired") {
      buttons.append(h("button", { type: "button", "data-expire": s.id, text: t("silence.expire"),
        "aria-label": t("silence.expireLabel", { id: s.id }) }));
    }
    return h("li", { class: s.status, "data-silence": s.id },
      h("div", null, h("strong", { text: status }), " · ", h("span", { text: timing })),
      h("div", { class: "mono", text: s.matchers.join(", ") }),
      h("div", { text: t("silence.by", { who: s.owner_name, reason: s.reason }) + (s.ticket ? ` · ${s.ticket}` : "") }),
      s.approver ? h("div", { class: "muted", text: t("silence.approvedBy", { who: s.approver_name || s.approver }) }) : null,
      h("div", { class: "muted", text: `${fmtTime(s.starts_at)} → ${fmtTime(s.ends_at)}` }),
      buttons.childElementCount ? buttons : null);
  });
}

function hrow(label, value, level) {
  return h("div", { class: `hrow ${level || ""}` }, h("span", { text: label }), h("span", { class: "v", text: value }));
}

function sourcesNodes(health, now) {
  const out = [h("h3", { text: t("health.sources") })];
  for (const s of health.sources || []) {
    const q = s.last_event_at == null ? t("health.never") : t("health.quietFor", { d: fmtDur(now - s.last_event_at) });
    out.push(hrow(s.source, s.blind ? t("health.blind", { q }) : q, s.blind ? "bad" : (s.ready ? "ok" : "warn")));
  }
  if (!(health.sources || []).length) out.push(hrow("—", t("health.none")));
  return out;
}

function deliveryNodes(health) {
  const out = [h("h3", { text: t("health.robots") })];
  for (const r of health.robots || []) {
    const v = r.throttled ? t("health.throttled", { at: fmtTime(r.blocked_until, false) }) : t("health.remaining", { n: r.remaining });
    out.push(hrow(t("health.robot", { ch: r.channel, i: r.robot }), v, r.throttled ? "bad" : (r.remaining <= 2 ? "warn" : "ok")));
  }
  if (!(health.robots || []).length) out.push(hrow("—", t("health.none")));
  out.push(h("h3", { text: t("health.notifications") }));
  const failing = (health.notifications || []).filter((n) => n.failures > 0);
  for (const n of failing) {
    const detail = Object.entries(n.outcomes).map(([o, c]) => `${t(`out.${o}`)} ${c}`).join(" · ");
    out.push(hrow(n.channel, detail, "bad"));
  }
  if (!failing.length) out.push(hrow("—", t("health.none"), "ok"));
  if ((health.retrying || []).length) {
    out.push(h("h3", { text: t("health.retrying") }));
    for (const d of health.retrying.slice(0, 8)) out.push(hrow(`${d.channel} ×${d.attempt}`, d.detail || "", "warn"));
  }
  return out;
}

export function healthNodes(health, now) {
  const out = [];
  if (!health.playbooks) out.push(hrow(t("health.noPlaybooks"), "", "bad"));
  else if (!health.handover_playbook) out.push(hrow(t("health.noHandoverPlaybook"), "", "warn"));
  out.push(...sourcesNodes(health, now));
  const store = health.store || {};
  out.push(hrow(t("health.store"), store.ok === false ? `${t("health.bad")} (${store.backlog || 0})` : t("health.ok"), store.ok === false ? "bad" : "ok"));
  const pipe = health.pipeline || {};
  const fill = pipe.fill_ratio != null ? ` ${Math.round(pipe.fill_ratio * 100)}%` : "";
  out.push(hrow(t("health.pipeline"), (pipe.ok === false ? t("health.bad") : t("health.ok")) + fill, pipe.ok === false ? "bad" : "ok"));
  out.push(...deliveryNodes(health));
  const errors = (health.rules || {}).reload_errors || 0;
  out.push(hrow(t("health.rules"), String(errors), errors ? "bad" : "ok"));
  return out;
}

function itemList(title, items, fmt) {
  return [h("h3", { text: `${title} (${items.length})` }),
    items.length ? h("ul", null, ...items.map((i) => h("li", { text: fmt(i) }))) : h("p", { class: "muted", text: t("health.none") })];
}

export function sheetNodes(sheet) {
  const c = sheet.content || {};
  const alert = (a) => `[${t(`sev.${a.severity}`)}] ${a.summary || a.alertname} ×${a.count}` + (a.ack_by ? ` — ${a.ack_by}: ${a.ack_comment}` : "");
  const status = t(`handover.status.${sheet.status}`);
  return [
    h("p", { text: `${t("handover.sheet", { id: sheet.id, at: fmtTime(sheet.created_at) })} · ${status}` }),
    h("p", { class: "strong", text: `${sheet.outgoing_names.join("、") || "—"} → ${sheet.incoming_names.join("、") || "—"}` }),
    sheet.supervisor_paged ? h("p", { class: "warn", text: t("handover.paged") }) : null,
    ...itemList(t("handover.openAlerts"), c.open || [], alert),
    ...itemList(t("handover.acked"), c.acked || [], alert),
    ...itemList(t("handover.silenced"), c.silenced || [], alert),
    ...itemList(t("handover.escalations"), c.escalations || [], (a) => `${a.summary || a.alertname} → ${fmtTime((a.escalation || {}).next_at)}`),
    ...itemList(t("handover.notes"), c.notes || [], (n) => `${fmtTime(n.at, false)} ${n.person} (${n.alertname}): ${n.text}`),
    ...itemList(t("handover.silences"), c.silences || [], (s) => `${s.matchers.join(", ")} — ${s.owner_name}: ${s.reason} → ${fmtTime(s.ends_at)}`),
  ].filter(Boolean);
}
