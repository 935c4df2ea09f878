"""Turn a group and a target into a rendered, masked Message (template first, plain text as fallback)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from secops.playbooks.actions.base import ChannelModel, Message
from secops.playbooks.redact import redact
from secops.playbooks.state import AlertEntry
from secops.playbooks.templates import TemplateRenderError, TemplateSet

SEVERITY_ZH = {"critical": "严重", "high": "高危", "medium": "中危", "low": "低危", "informational": "提示"}
GRADES = {
    "L1": ("一般数据1级", "General-1"), "L2": ("一般数据2级", "General-2"), "L3": ("一般数据3级", "General-3"),
    "L4": ("一般数据4级", "General-4"), "IMP": ("重要数据（疑似）", "Important (candidate)"),
    "CORE": ("核心数据", "Core"),
}
TABLE_HEAD = {
    "zh-CN": ["告警", "级别", "数据分级", "次数", "首次/最近", "样本（已脱敏）"],
    "en": ["Alert", "Severity", "Data grade", "Count", "First/last", "Samples (masked)"],
}


def local_time(epoch: float | None, zone: ZoneInfo) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, zone).strftime("%Y-%m-%d %H:%M:%S")


def alert_view(a: AlertEntry, zone: ZoneInfo, language: str) -> dict[str, Any]:
    grade = a.labels.get("data_grade", "")
    grade_zh, grade_en = GRADES.get(grade, (grade, grade))
    severity = a.labels.get("severity", "")
    ann = a.annotations
    return {
        "id": a.id, "fingerprint": a.fingerprint, "status": a.status,
        "alertname": a.labels.get("alertname", ""), "rule_id": a.labels.get("rule_id", ""),
        "severity": severity, "severity_zh": SEVERITY_ZH.get(severity, severity),
        "grade": grade, "grade_zh": grade_zh, "grade_en": grade_en,
        "severity_label": SEVERITY_ZH.get(severity, severity) if language == "zh-CN" else severity,
        "grade_label": grade_zh if language == "zh-CN" else grade_en,
        "category": ann.get("category", a.labels.get("data_category", "")),
        "summary": ann.get("summary", ""), "description": ann.get("description", ""),
        "samples": ann.get("samples", ann.get("masked_samples", "")), "runbook": ann.get("runbook", ""),
        "count": a.count, "first_seen": local_time(a.starts_at, zone), "last_seen": local_time(a.last_seen, zone),
        "labels": dict(a.labels), "annotations": dict(ann),
    }


def alert_struct(a: AlertEntry) -> dict[str, Any]:
    return {"id": a.id, "fingerprint": a.fingerprint, "status": a.status, "labels": dict(a.labels),
            "annotations": dict(a.annotations), "starts_at": a.starts_at, "ends_at": a.ends_at, "count": a.count}


@dataclass(frozen=True, slots=True)
class Composed:
    message: Message
    error: TemplateRenderError | None


def _fallback(kind: str, views: Sequence[Mapping[str, Any]], language: str, console: str) -> tuple[str, str]:
    first = views[0] if views else {"alertname": "", "severity": "", "grade": ""}
    title = f"[secops] {kind}: {first['alertname']} ({first['severity']}, {first['grade']})"
    if language == "zh-CN":
        severity, grade = first.get("severity_zh", ""), first.get("grade_zh", "")
        title = f"【安全告警】{kind}：{first['alertname']}（{severity}，{grade}）"
    lines = [f"- {v['alertname']} [{v['status']}] x{v['count']} {v['summary']} {v['samples']}".rstrip() for v in views]
    return title, "\n".join([*lines, console])


def compose(
    templates: TemplateSet, *, template: str, kind: str, language: str, context: dict[str, Any],
    channel: ChannelModel, base: Message,
) -> Composed:
    """Render title, text (and html for email); on any template failure use plain text."""
    views = context["alerts"]
    error: TemplateRenderError | None = None
    try:
        title = templates.render(language, template, "title", context)
        text = templates.render(language, template, "text", context)
        html = templates.render(language, template, "html", {**context, "title": title or ""}) \
            if channel.type == "email" else None
    except TemplateRenderError as err:
        error, title, text, html = err, None, None, None
    if title is None or text is None:
        title, text = _fallback(kind, views, language, context["console_url"])
        html = None
    message = Message(
        kind=kind, title=title, text=text, html=html, idempotency_key=base.idempotency_key,
        mentions=base.mentions, recipients=base.recipients, link=base.link, ack_links=base.ack_links,
        alerts=base.alerts, sent_at=base.sent_at,
    )
    if channel.masking == "strict":
        message = mask_message(message)
    return Composed(message, error)


def mask_message(m: Message) -> Message:
    return Message(
        kind=m.kind, title=redact(m.title), text=redact(m.text), html=redact(m.html) if m.html else None,
        idempotency_key=m.idempotency_key, mentions=m.mentions, recipients=m.recipients, link=m.link,
        ack_links=m.ack_links, alerts=tuple(redact(a) for a in m.alerts), sent_at=m.sent_at,
    )


def message_to_dict(m: Message) -> dict[str, Any]:
    return {
        "kind": m.kind, "title": m.title, "text": m.text, "html": m.html, "idempotency_key": m.idempotency_key,
        "mentions": list(m.mentions), "recipients": list(m.recipients), "link": m.link,
        "ack_links": [list(x) for x in m.ack_links], "alerts": list(m.alerts), "sent_at": m.sent_at,
    }


def message_from_dict(d: Mapping[str, Any]) -> Message:
    return Message(
        kind=d["kind"], title=d["title"], text=d["text"], html=d.get("html"), idempotency_key=d["idempotency_key"],
        mentions=tuple(d.get("mentions", ())), recipients=tuple(d.get("recipients", ())), link=d.get("link", ""),
        ack_links=tuple((p, u) for p, u in d.get("ack_links", ())), alerts=tuple(d.get("alerts", ())),
        sent_at=float(d.get("sent_at", 0.0)),
    )
