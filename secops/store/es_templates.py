"""Index template and lifecycle policy the Elasticsearch store installs (also in deploy/elasticsearch/).

Indices: ``<prefix>-events-YYYY.MM`` and ``<prefix>-incidents-YYYY.MM`` (monthly, by event or change time),
``<prefix>-alerts`` (one document per alert, current state), ``<prefix>-ledger-<chain>`` (one per daemon,
never deleted by the policy), ``<prefix>-kv`` and ``<prefix>-ops`` (acks, notifications, silences, summaries).
"""

from __future__ import annotations

from typing import Any

DAY = 86400


def lifecycle_policy(retention_days: int) -> dict[str, Any]:
    """Roll nothing over (indices are monthly by name); delete a monthly index after the retention."""
    return {
        "policy": {
            "_meta": {"managed_by": "secops", "reason": "Cybersecurity Law Art. 21: keep network logs >= 6 months"},
            "phases": {
                "hot": {"min_age": "0ms", "actions": {"set_priority": {"priority": 100}}},
                "warm": {"min_age": "30d", "actions": {"set_priority": {"priority": 50}, "readonly": {}}},
                "delete": {"min_age": f"{retention_days + 31}d", "actions": {"delete": {}}},
            },
        }
    }


def _keyword(*names: str) -> dict[str, Any]:
    return {n: {"type": "keyword"} for n in names}


def monthly_template(prefix: str, kind: str, policy: str) -> dict[str, Any]:
    """Template for ``<prefix>-<kind>-*`` (events or incidents)."""
    props: dict[str, Any] = {
        "timestamp": {"type": "date", "format": "epoch_second"},
        "received_at": {"type": "date", "format": "epoch_second"},
        "at": {"type": "date", "format": "epoch_second"},
        **_keyword("id", "source", "alert_id", "kind"),
        "fields": {"type": "object", "enabled": False},
        "doc": {"type": "object", "enabled": False},
    }
    return {
        "index_patterns": [f"{prefix}-{kind}-*"],
        "priority": 200,
        "template": {
            "settings": {"index.lifecycle.name": policy, "number_of_replicas": 1},
            "mappings": {"dynamic": False, "properties": props},
        },
        "_meta": {"managed_by": "secops"},
    }


def state_template(prefix: str) -> dict[str, Any]:
    """Template for the alerts, ledger, kv and ops indices (not under the delete policy)."""
    props: dict[str, Any] = {
        **_keyword("id", "fingerprint", "rule_id", "alertname", "severity", "grade", "state", "acked_by",
                   "kind", "hash", "namespace", "key", "type", "alert_id", "chain"),
        "seq": {"type": "long"},
        "ts": {"type": "double"},
        "starts_at": {"type": "double"},
        "last_seen": {"type": "double"},
        "ends_at": {"type": "double"},
        "at": {"type": "double"},
        "body": {"type": "keyword", "index": False, "doc_values": False},
        "doc": {"type": "object", "enabled": False},
        "value": {"type": "binary"},
    }
    return {
        "index_patterns": [f"{prefix}-alerts", f"{prefix}-ledger-*", f"{prefix}-kv", f"{prefix}-ops"],
        "priority": 200,
        "template": {"mappings": {"dynamic": False, "properties": props}},
        "_meta": {"managed_by": "secops"},
    }
