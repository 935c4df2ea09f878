"""One telemetry contract for every component, on an injected registry.

Label values are bounded: source and rule ids from config, reasons from a fixed vocabulary, grades,
severities, channels, outcomes. Never a user name, IP, identifier or message text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

import secops


class Metrics:
    """Every metric in the DESIGN.md contract, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self.build_info = Info("secops_build", "Build information", registry=r)
        self.build_info.info({"version": secops.__version__})
        # ingest
        self.events_received_total = Counter(
            "secops_events_received_total", "Records received from a source", ["source"], registry=r
        )
        self.events_rejected_total = Counter(
            "secops_events_rejected_total",
            "Records rejected and written to the dead letter, by reason",
            ["source", "reason"],
            registry=r,
        )
        self.events_dropped_total = Counter(
            "secops_events_dropped_total",
            "Datagrams dropped because the pipeline was full (UDP syslog only)",
            ["source"],
            registry=r,
        )
        self.events_processed_total = Counter(
            "secops_events_processed_total", "Events that reached the end of the pipeline", ["source"], registry=r
        )
        self.source_last_event_timestamp_seconds = Gauge(
            "secops_source_last_event_timestamp_seconds", "When a source last delivered a record", ["source"],
            registry=r,
        )
        self.source_up = Gauge("secops_source_up", "1 while a source is connected or listening", ["source"],
                               registry=r)
        self.queue_depth = Gauge("secops_queue_depth", "Records waiting in a pipeline queue", ["queue"], registry=r)
        self.queue_capacity = Gauge("secops_queue_capacity", "Capacity of a pipeline queue", ["queue"], registry=r)
        self.batch_seconds = Histogram(
            "secops_pipeline_batch_seconds", "Time to process and store one micro-batch",
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0), registry=r,
        )
        # classification
        self.findings_total = Counter("secops_findings_total", "Sensitive-data findings", ["detector"], registry=r)
        self.events_graded_total = Counter("secops_events_graded_total", "Events by data grade", ["grade"],
                                           registry=r)
        # rules
        self.rules_loaded = Gauge("secops_rules_loaded", "Rules in force", ["kind"], registry=r)
        self.rules_reload_total = Counter("secops_rules_reload_total", "Rule reloads", ["outcome"], registry=r)
        # alerts
        self.alerts_fired_total = Counter("secops_alerts_fired_total", "Alerts that started firing",
                                          ["rule", "severity"], registry=r)
        self.alerts_active = Gauge("secops_alerts_active", "Alerts firing now", ["severity", "grade"], registry=r)
        # notifications
        self.notifications_total = Counter("secops_notifications_total", "Notification attempts by outcome",
                                           ["channel", "outcome"], registry=r)
        # store
        self.store_backlog = Gauge("secops_store_backlog", "Records spooled while the store is unavailable",
                                   registry=r)
        self.store_up = Gauge("secops_store_up", "1 while the store takes writes", registry=r)
