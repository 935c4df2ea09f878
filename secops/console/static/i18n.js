// Console text in zh-CN (default) and English, and Asia/Shanghai time formatting.
export const ZONE = "Asia/Shanghai";

const zh = {
  "title": "值班室", "skip": "跳到告警列表",
  "login.title": "值班室登录", "login.help": "请使用值班员令牌（operator 角色）登录。", "login.token": "令牌",
  "login.submit": "登录", "login.failed": "登录失败：{msg}", "login.role": "该令牌没有值班员（operator）权限",
  "login.bad": "令牌无效", "lang.switch": "English",
  "duty.label": "值班", "duty.until": "交接", "duty.none": "无人值班", "duty.static": "固定",
  "duty.gaps": "未来 {n} 天排班空缺：{list}", "duty.nogaps": "排班无空缺", "duty.holding": "（交接未确认，继续值班）",
  "tools.label": "工具", "tools.sound": "声音", "tools.notify": "桌面通知", "tools.dark": "深色墙屏", "tools.logout": "退出",
  "counters.label": "状态计数（点击筛选）", "filters.label": "筛选",
  "state.unacked": "未确认", "state.acked": "已确认", "state.silenced": "已静默", "state.resolved": "近1小时已恢复",
  "state.unacked.s": "未确认", "state.acked.s": "已确认", "state.silenced.s": "已静默", "state.resolved.s": "已恢复",
  "f.severity": "级别", "f.grade": "数据级别", "f.state": "状态", "f.rule": "规则", "f.source": "来源", "f.text": "搜索",
  "f.view": "视图", "f.preset": "预设", "f.save": "保存预设", "f.clear": "清除筛选", "f.any": "全部",
  "f.presetName": "预设名称", "f.choose": "选择预设…",
  "preset.all": "全部告警", "preset.unacked": "未确认", "preset.critical": "严重/高危未确认",
  "preset.important": "重要/核心数据", "preset.silenced": "已静默",
  "view.grouped": "分组", "view.flat": "平铺表格",
  "sev.critical": "严重", "sev.high": "高危", "sev.medium": "中危", "sev.low": "低危", "sev.informational": "提示",
  "grade.CORE": "核心", "grade.IMP": "重要", "grade.none": "未分级", "grade.impCore": "重要+核心",
  "sev.criticalHigh": "严重+高危",
  "alerts.label": "告警列表", "alerts.empty": "没有符合条件的告警", "alerts.loading": "加载中…",
  "group.toggle": "展开或折叠告警组 {name}", "group.select": "选择本组", "group.selectLabel": "选择告警组 {name} 的全部告警",
  "group.silence": "静默本组", "group.silenceLabel": "静默告警组 {name}", "group.more": "显示其余 {n} 条",
  "group.shared": "共同标签", "group.tally": "{n} 条",
  "a.select": "选择告警 {name}", "a.count": "次数 {n}", "a.age": "持续 {d}", "a.changed": "变更于 {d}前",
  "a.category": "类别", "a.samples": "样本（已脱敏）", "a.ackBy": "{who} 于 {at} 确认", "a.comment": "说明：{c}",
  "a.step": "第 {n} 步 {kind}", "a.next": "下一步 {at}（{left}后）", "a.noplaybook": "未配置处置剧本",
  "a.deliveries": "通知", "a.notes": "备注", "a.firstSeen": "首次 {at}",
  "kind.notify": "通知", "kind.escalate": "升级", "kind.wait_for_ack": "等待确认", "kind.repeat": "重复",
  "phase.pending": "分组等待", "phase.active": "处置中", "phase.exhausted": "升级已用尽", "phase.acked": "已确认",
  "phase.resolved": "已恢复", "phase.unrouted": "未路由",
  "quiet.silenced": "静默中：{who}，原因：{reason}，剩余 {left}", "quiet.acked": "已确认，停止升级",
  "quiet.unrouted": "无剧本匹配：不会通知任何人", "quiet.flapping": "抖动中：已发一次抖动通知，稳定前不再通知",
  "quiet.muted": "时间段屏蔽：{detail}", "quiet.exhausted": "升级步骤已用尽，仍未确认",
  "out.sent": "已发送", "out.delivered": "已送达", "out.failed": "失败", "out.throttled": "限流", "out.retry": "重试中",
  "out.dead": "失败", "out.cancelled": "已取消",
  "act.ack": "确认", "act.escalate": "立即升级", "act.silence": "静默", "act.resolve": "恢复", "act.note": "备注",
  "act.ackLabel": "确认告警 {name}", "act.escalateLabel": "立即升级告警 {name}", "act.silenceLabel": "静默告警 {name} 所在组",
  "act.resolveLabel": "手动恢复告警 {name}", "act.noteLabel": "为告警 {name} 添加备注",
  "act.done": "{action}：成功 {ok} 条，失败 {bad} 条", "act.failed": "操作失败：{msg}",
  "dlg.ack": "确认告警", "dlg.escalate": "立即升级", "dlg.silence": "静默告警组", "dlg.resolve": "手动恢复", "dlg.note": "添加备注",
  "dlg.comment": "说明（可选）", "dlg.reason": "静默原因（必填）", "dlg.noteText": "备注内容（必填）",
  "dlg.ok.ack": "确认", "dlg.ok.escalate": "立即升级", "dlg.ok.silence": "创建静默", "dlg.ok.resolve": "恢复", "dlg.ok.note": "保存备注",
  "dlg.cancel": "取消", "dlg.close": "关闭", "dlg.targets": "{n} 条告警：{names}",
  "dlg.needReason": "请填写原因", "dlg.needExpiry": "请选择到期时间", "dlg.needText": "请填写备注",
  "silence.matchers": "匹配条件", "silence.ticket": "工单号（可选）", "silence.expiry": "到期时间",
  "silence.needsApproval": "该静默涉及重要/核心数据，需第二名值班员审批后生效。",
  "silences.title": "静默", "silences.none": "当前没有静默",
  "silence.by": "{who} · {reason}", "silence.left": "剩余 {left}", "silence.expiredAgo": "已于 {ago}前到期",
  "silence.pending": "待审批（双人复核）", "silence.active": "生效中", "silence.expired": "已到期",
  "silence.approve": "审批通过", "silence.approveLabel": "审批静默 {id}", "silence.expire": "解除",
  "silence.expireLabel": "解除静默 {id}", "silence.ownApproval": "不能审批自己创建的静默", "silence.approvedBy": "审批人 {who}",
  "silence.created": "静默已创建", "silence.createdPending": "静默已提交，等待第二名值班员审批",
  "health.title": "采集与通知健康", "health.sources": "数据源心跳", "health.blind": "盲区：{q}",
  "health.never": "从未收到", "health.quietFor": "{d}前", "health.store": "存储", "health.pipeline": "处理队列",
  "health.robots": "群机器人配额", "health.robot": "{ch} #{i}", "health.remaining": "剩余 {n}/分钟",
  "health.throttled": "限流至 {at}", "health.notifications": "通知失败", "health.retrying": "重试中的通知",
  "health.rules": "规则重载错误", "health.ok": "正常", "health.bad": "异常", "health.none": "无",
  "health.noPlaybooks": "处置剧本未运行：没有人会被通知", "health.noHandoverPlaybook": "未配置交接班剧本：交接超时不会通知值班长",
  "handover.open": "交接班", "handover.title": "交接班", "handover.comment": "交接说明", "handover.confirm": "接班确认",
  "handover.start": "发起交接", "handover.banner": "交接待确认：{out} → {inc}。确认前由 {out} 继续值班。",
  "handover.due": "后通知值班长", "handover.paged": "已通知值班长", "handover.none": "当前没有待确认的交接单",
  "handover.sheet": "交接单 {id}（{at}）", "handover.openAlerts": "未确认告警", "handover.acked": "已确认告警",
  "handover.silenced": "已静默告警", "handover.escalations": "进行中的升级", "handover.notes": "备注",
  "handover.silences": "静默", "handover.confirmed": "交接已确认：{who}", "handover.started": "已生成交接单",
  "handover.recent": "最近交接", "handover.status.open": "待确认", "handover.status.confirmed": "已确认",
  "handover.status.superseded": "已被替代",
  "bulk.label": "批量操作", "bulk.count": "已选 {n} 条", "bulk.clear": "取消选择",
  "notify.title": "新的严重告警", "notify.denied": "浏览器未允许桌面通知",
  "live.lost": "实时连接中断，正在重连…", "live.back": "实时连接已恢复",
  "pager.prev": "上一页", "pager.next": "下一页", "pager.page": "第 {p}/{n} 页",
  "col.select": "选择", "col.sev": "级别", "col.grade": "数据级别", "col.alert": "告警", "col.state": "状态",
  "col.count": "次数", "col.age": "持续", "col.ack": "确认人", "col.esc": "升级", "col.actions": "操作",
};

const en = {
  "title": "Duty room", "skip": "Skip to alerts",
  "login.title": "Duty room sign-in", "login.help": "Sign in with your operator token.", "login.token": "Token",
  "login.submit": "Sign in", "login.failed": "Sign-in failed: {msg}", "login.role": "This token lacks the operator role",
  "login.bad": "Invalid token", "lang.switch": "中文",
  "duty.label": "On duty", "duty.until": "hand-off", "duty.none": "nobody", "duty.static": "fixed",
  "duty.gaps": "Coverage gaps in the next {n} days: {list}", "duty.nogaps": "No coverage gaps",
  "duty.holding": "(handover unconfirmed, stays on duty)",
  "tools.label": "Tools", "tools.sound": "Sound", "tools.notify": "Desktop alerts", "tools.dark": "Dark wall screen",
  "tools.logout": "Sign out", "counters.label": "State counters (click to filter)", "filters.label": "Filters",
  "state.unacked": "Unacknowledged", "state.acked": "Acknowledged", "state.silenced": "Silenced",
  "state.resolved": "Resolved (last hour)", "state.unacked.s": "unacked", "state.acked.s": "acked",
  "state.silenced.s": "silenced", "state.resolved.s": "resolved",
  "f.severity": "Severity", "f.grade": "Data grade", "f.state": "State", "f.rule": "Rule", "f.source": "Source",
  "f.text": "Search", "f.view": "View", "f.preset": "Preset", "f.save": "Save preset", "f.clear": "Clear filters",
  "f.any": "Any", "f.presetName": "Preset name", "f.choose": "Choose a preset…",
  "preset.all": "All alerts", "preset.unacked": "Unacknowledged", "preset.critical": "Critical/high unacked",
  "preset.important": "Important/core data", "preset.silenced": "Silenced",
  "view.grouped": "Grouped", "view.flat": "Flat table",
  "sev.critical": "Critical", "sev.high": "High", "sev.medium": "Medium", "sev.low": "Low", "sev.informational": "Info",
  "grade.CORE": "Core", "grade.IMP": "Important", "grade.none": "ungraded", "grade.impCore": "Important+core",
  "sev.criticalHigh": "Critical+high",
  "alerts.label": "Alerts", "alerts.empty": "No alerts match", "alerts.loading": "Loading…",
  "group.toggle": "Expand or collapse group {name}", "group.select": "Select group",
  "group.selectLabel": "Select every alert of group {name}", "group.silence": "Silence group",
  "group.silenceLabel": "Silence group {name}", "group.more": "Show {n} more", "group.shared": "Shared labels",
  "group.tally": "{n} alerts",
  "a.select": "Select alert {name}", "a.count": "count {n}", "a.age": "for {d}", "a.changed": "changed {d} ago",
  "a.category": "Category", "a.samples": "Samples (masked)", "a.ackBy": "acknowledged by {who} at {at}",
  "a.comment": "comment: {c}", "a.step": "step {n} {kind}", "a.next": "next at {at} (in {left})",
  "a.noplaybook": "no playbook", "a.deliveries": "Delivery", "a.notes": "Notes", "a.firstSeen": "first {at}",
  "kind.notify": "notify", "kind.escalate": "escalate", "kind.wait_for_ack": "waiting for ack", "kind.repeat": "repeat",
  "phase.pending": "group wait", "phase.active": "active", "phase.exhausted": "escalation exhausted",
  "phase.acked": "acknowledged", "phase.resolved": "resolved", "phase.unrouted": "unrouted",
  "quiet.silenced": "silenced by {who}: {reason}, {left} left", "quiet.acked": "acknowledged: escalation stopped",
  "quiet.unrouted": "no playbook matches: nobody is paged", "quiet.flapping": "flapping: one notice sent, quiet until stable",
  "quiet.muted": "muted by time interval: {detail}", "quiet.exhausted": "escalation exhausted, still unacknowledged",
  "out.sent": "sent", "out.delivered": "delivered", "out.failed": "failed", "out.throttled": "throttled",
  "out.retry": "retrying", "out.dead": "failed", "out.cancelled": "cancelled",
  "act.ack": "Ack", "act.escalate": "Escalate now", "act.silence": "Silence", "act.resolve": "Resolve", "act.note": "Note",
  "act.ackLabel": "Acknowledge alert {name}", "act.escalateLabel": "Escalate alert {name} now",
  "act.silenceLabel": "Silence the group of alert {name}", "act.resolveLabel": "Resolve alert {name}",
  "act.noteLabel": "Add a note to alert {name}", "act.done": "{action}: {ok} done, {bad} failed",
  "act.failed": "Action failed: {msg}",
  "dlg.ack": "Acknowledge", "dlg.escalate": "Escalate now", "dlg.silence": "Silence group", "dlg.resolve": "Resolve",
  "dlg.note": "Add note", "dlg.comment": "Comment (optional)", "dlg.reason": "Reason (required)",
  "dlg.noteText": "Note (required)", "dlg.ok.ack": "Acknowledge", "dlg.ok.escalate": "Escalate now",
  "dlg.ok.silence": "Create silence", "dlg.ok.resolve": "Resolve", "dlg.ok.note": "Save note", "dlg.cancel": "Cancel",
  "dlg.close": "Close", "dlg.targets": "{n} alerts: {names}", "dlg.needReason": "A reason is required",
  "dlg.needExpiry": "Choose an expiry", "dlg.needText": "Write the note",
  "silence.matchers": "Matchers", "silence.ticket": "Ticket (optional)", "silence.expiry": "Expires in",
  "silence.needsApproval": "This silence covers important/core data: a second operator must approve it.",
  "silences.title": "Silences", "silences.none": "No silences", "silence.by": "{who} · {reason}",
  "silence.left": "{left} left", "silence.expiredAgo": "expired {ago} ago", "silence.pending": "awaiting approval",
  "silence.active": "active", "silence.expired": "expired", "silence.approve": "Approve",
  "silence.approveLabel": "Approve silence {id}", "silence.expire": "Expire", "silence.expireLabel": "Expire silence {id}",
  "silence.ownApproval": "You cannot approve your own silence", "silence.approvedBy": "approved by {who}",
  "silence.created": "Silence created", "silence.createdPending": "Silence submitted; awaiting a second operator",
  "health.title": "Pipeline health", "health.sources": "Source heartbeats", "health.blind": "blind spot: {q}",
  "health.never": "never heard", "health.quietFor": "{d} ago", "health.store": "Store", "health.pipeline": "Pipeline",
  "health.robots": "IM robot budgets", "health.robot": "{ch} #{i}", "health.remaining": "{n}/min left",
  "health.throttled": "throttled until {at}", "health.notifications": "Notification failures",
  "health.retrying": "Retrying notifications", "health.rules": "Rule reload errors", "health.ok": "ok",
  "health.bad": "failing", "health.none": "none", "health.noPlaybooks": "Playbooks are not running: nobody is paged",
  "health.noHandoverPlaybook": "No handover playbook: an unconfirmed handover pages nobody",
  "handover.open": "Handover", "handover.title": "Shift handover", "handover.comment": "Handover note",
  "handover.confirm": "Confirm takeover", "handover.start": "Start handover",
  "handover.banner": "Handover pending: {out} → {inc}. {out} stays on duty until confirmed.",
  "handover.due": "until the lead is paged", "handover.paged": "lead paged", "handover.none": "No handover is pending",
  "handover.sheet": "Sheet {id} ({at})", "handover.openAlerts": "Unacknowledged alerts", "handover.acked": "Acknowledged alerts",
  "handover.silenced": "Silenced alerts", "handover.escalations": "Running escalations", "handover.notes": "Notes",
  "handover.silences": "Silences", "handover.confirmed": "Handover confirmed by {who}", "handover.started": "Handover sheet written",
  "handover.recent": "Recent handovers", "handover.status.open": "open", "handover.status.confirmed": "confirmed",
  "handover.status.superseded": "superseded",
  "bulk.label": "Bulk actions", "bulk.count": "{n} selected", "bulk.clear": "Clear selection",
  "notify.title": "New critical alert", "notify.denied": "Desktop notifications are blocked",
  "live.lost": "Live connection lost, reconnecting…", "live.back": "Live connection restored",
  "pager.prev": "Previous", "pager.next": "Next", "pager.page": "page {p}/{n}",
  "col.select": "Select", "col.sev": "Severity", "col.grade": "Grade", "col.alert": "Alert", "col.state": "State",
  "col.count": "Count", "col.age": "Age", "col.ack": "Acked by", "col.esc": "Escalation", "col.actions": "Actions",
};

const DICTS = { "zh-CN": zh, "en": en };
let lang = "zh-CN";

export function setLang(value) { lang = DICTS[value] ? value : "zh-CN"; document.documentElement.lang = lang; }
export function getLang() { return lang; }

export function t(key, vars) {
  const text = DICTS[lang][key] ?? zh[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ""));
}

export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  document.title = `${t("title")} · secops`;
}

const fmtCache = {};
function formatter(kind) {
  const key = `${lang}:${kind}`;
  if (!fmtCache[key]) {
    const opts = kind === "time" ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }
      : { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false };
    fmtCache[key] = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", { timeZone: ZONE, ...opts });
  }
  return fmtCache[key];
}

/** Epoch seconds as Asia/Shanghai wall-clock time. */
export function fmtTime(epoch, withDate = true) {
  if (epoch == null) return "—";
  return formatter(withDate ? "datetime" : "time").format(new Date(epoch * 1000));
}

/** A duration in seconds, short: 45秒 / 12分 / 3小时5分 / 2天3小时. */
export function fmtDur(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const u = lang === "en" ? ["s", "m", "h", "d"] : ["秒", "分", "小时", "天"];
  if (s < 60) return `${s}${u[0]}`;
  if (s < 3600) return `${Math.floor(s / 60)}${u[1]}`;
  if (s < 86400) return `${Math.floor(s / 3600)}${u[2]}${Math.floor((s % 3600) / 60)}${u[1]}`;
  return `${Math.floor(s / 86400)}${u[3]}${Math.floor((s % 86400) / 3600)}${u[2]}`;
}

/** A countdown hh:mm:ss. */
export function fmtCountdown(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  const d = Math.floor(s / 86400);
  const rest = `${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return d ? `${d}${lang === "en" ? "d " : "天"}${rest}` : rest;
}

export function gradeLabel(grade) {
  if (!grade) return t("grade.none");
  return grade === "CORE" || grade === "IMP" ? t(`grade.${grade}`) : grade;
}
