"""Hot reload in the running daemon: a broken rule file is refused and the old rules keep working; a valid
change applies without a restart. Both in-place writes and atomic renames are picked up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from secops.api.auth import hash_token
from tests.support.daemon import ROOT, DaemonProcess
from tests.support.net import wait_until

pytestmark = pytest.mark.e2e
SQLI = "5f0b8a8e-2d7c-4b71-9a3e-0c6a1f4e2b01"
NEW_RULE = """\
title: Probe For Backup Archive
id: 0d9c1f5e-0000-4000-8000-00000000b0b0
status: experimental
logsource: {category: webserver}
detection:
  selection:
    cs-uri-stem|endswith: ['.bak.zip']
  condition: selection
level: medium
"""
BROKEN_RULE = """\
title: Broken
id: 0d9c1f5e-0000-4000-8000-00000000dead
logsource: {category: webserver}
detection:
  selection:
    cs-uri-stem|nosuchmodifier: x
  condition: selection and missing_identifier
level: medium
"""


def send(daemon: DaemonProcess, target: str) -> None:
    line = f'203.0.113.9 - - [26/Nov/2026:10:00:00 +0800] "GET {target} HTTP/1.1" 200 10 "-" "curl/8"'
    response = httpx.post(daemon.base_url + "/api/v1/events", content=line.encode(), timeout=30,
                          headers={"Authorization": "Bearer sct_reload_ingest"})
    assert response.status_code == 200, response.text


def matches(daemon: DaemonProcess, rule: str) -> float:
    return daemon.metric("secops_rule_matches_total", rule=rule)


def test_broken_change_refused_valid_change_applied(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    config = {"sources": {"api": {"type": "http", "format": "access_log"}},
              "rules": {"paths": [str(rules)], "watch": True},
              "auth": {"tokens": [{"name": "feeder", "sha256": hash_token("sct_reload_ingest"), "roles": ["ingest"]},
                                  {"name": "editor", "sha256": hash_token("sct_reload_editor"),
                                   "roles": ["rule_editor"]}]}}
    daemon = DaemonProcess(tmp_path, config).start(wait_ready=True)
    try:
        send(daemon, "/news.php?id=1%27%20union%20select%201,2--")
        wait_until(lambda: matches(daemon, SQLI) == 1, message="SQL injection rule in force")

        # a broken rule arrives by atomic rename (how editors and ConfigMaps save): refused
        tmp = rules / "detection" / "stable" / ".broken.yml.tmp"
        tmp.write_text(BROKEN_RULE)
        os.replace(tmp, rules / "detection" / "stable" / "broken.yml")
        wait_until(lambda: daemon.metric("secops_rules_reload_total", outcome="error") >= 1, timeout=20,
                   message="broken change refused")
        send(daemon, "/news.php?id=2%27%20union%20select%201,2--")
        wait_until(lambda: matches(daemon, SQLI) == 2, message="old rules still in force")
        api = httpx.post(daemon.base_url + "/api/v1/rules/reload", timeout=60,
                         headers={"Authorization": "Bearer sct_reload_editor"})
        assert api.status_code == 422
        assert any("broken.yml" in e for e in api.json()["errors"])

        # fixed in place: the broken file is removed, a new rule is written in place; it applies (the watcher
        # may see the two changes as two reloads: wait for the one that brings the new rule)
        loaded = daemon.metric("secops_rules_loaded", kind="detection")
        (rules / "detection" / "stable" / "broken.yml").unlink()
        (rules / "detection" / "stable" / "backup_probe.yml").write_text(NEW_RULE)
        wait_until(lambda: daemon.metric("secops_rules_reload_total", outcome="success") >= 1, timeout=20,
                   message="valid change applied")
        wait_until(lambda: daemon.metric("secops_rules_loaded", kind="detection") == loaded + 1, timeout=20,
                   message="the new rule in force")
        send(daemon, "/site.bak.zip")
        wait_until(lambda: matches(daemon, "0d9c1f5e-0000-4000-8000-00000000b0b0") == 1,
                   message="the new rule fires without a restart")
    finally:
        assert daemon.stop() == 0
