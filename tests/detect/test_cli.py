"""``secops replay`` (detection side): SigmaHQ webserver rules through the access_log parser, --matches,
identical output on repeated runs."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import orjson

from secops.detect.cli import run_replay

# Written the way SigmaHQ writes rules/web/webserver_generic rules: taxonomy field names, unchanged.
SIGMAHQ_STYLE = """title: Java Payload Strings
id: 583aa0a2-30b1-4d62-8bf3-ab73689efe6c
status: test
description: Detects possible Java payloads in web access logs
references:
    - https://www.rapid7.com/blog/post/2021/09/02/active-exploitation-of-confluence-server-cve-2021-26084/
author: frack113, Harjot Singh, "@cyb3rjy0t" (update)
date: 2022-06-04
modified: 2023-01-19
tags:
    - cve.2022-26134
    - attack.initial-access
    - attack.t1190
logsource:
    category: webserver
detection:
    keywords:
        - '%24%7B%28%23a%3D%40'
        - '${(#a=@'
        - 'getRuntime%28%29.exec'
        - 'getRuntime().exec'
    condition: keywords
falsepositives:
    - Legitimate apps
level: high
---
title: Suspicious User-Agents Related To Recon Tools
id: 19aa4f58-94ca-45ff-bc34-92e533c0994a
status: test
logsource:
    category: webserver
detection:
    selection:
        cs-user-agent|contains:
            - 'Wfuzz/'
            - 'sqlmap'
            - 'Nikto'
    condition: selection
level: medium
---
title: Source Code Enumeration Detection by Keyword
id: 953d460b-f810-420a-97a2-cfca4c98e602
status: test
logsource:
    category: webserver
detection:
    selection:
        cs-uri-query|contains: '.git/'
        cs-method: GET
    filter:
        sc-status: 404
    condition: selection and not filter
level: medium
"""

LOG = [
    '203.0.113.9 - - [02/Mar/2026:10:00:01 +0800] "GET /index.html HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
    '203.0.113.9 - - [02/Mar/2026:10:00:02 +0800] "GET /.git/config HTTP/1.1" 200 90 "-" "curl/8.5"',
    '203.0.113.9 - - [02/Mar/2026:10:00:03 +0800] "GET /.git/HEAD HTTP/1.1" 404 0 "-" "curl/8.5"',
    '198.51.100.4 - - [02/Mar/2026:10:00:04 +0800] "GET /?q=1 HTTP/1.1" 200 5 "-" "sqlmap/1.7.2#stable"',
    '198.51.100.4 - - [02/Mar/2026:10:00:05 +0800] '
    '"GET /x?c=%24%7B%28%23a%3D%40ognl HTTP/1.1" 302 5 "-" "Mozilla/5.0"',
    'this line is not an access log line',
]


def _setup(write_rule: Callable[[str, str], Path], tmp_path: Path) -> tuple[Path, Path]:
    write_rule("sigmahq.yml", SIGMAHQ_STYLE)
    log = tmp_path / "access.log"
    log.write_text("\n".join(LOG) + "\n", encoding="utf-8")
    return tmp_path / "rules", log


def test_sigmahq_webserver_rules_fire_on_access_log_lines(write_rule: Callable[[str, str], Path],
                                                          tmp_path: Path) -> None:
    rules, log = _setup(write_rule, tmp_path)
    out = io.StringIO()
    assert run_replay([str(log)], rules_paths=[rules], fmt="access_log", matches=True, out=out) == 0
    lines = [orjson.loads(x) for x in out.getvalue().splitlines()]
    assert lines == [
        {"line": 1, "rules": []},
        {"line": 2, "rules": ["953d460b-f810-420a-97a2-cfca4c98e602"]},
        {"line": 3, "rules": []},  # 404 is filtered out
        {"line": 4, "rules": ["19aa4f58-94ca-45ff-bc34-92e533c0994a"]},
        {"line": 5, "rules": ["583aa0a2-30b1-4d62-8bf3-ab73689efe6c"]},
        {"line": 6, "rules": []},
    ]


def test_replay_twice_gives_identical_output(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    rules, log = _setup(write_rule, tmp_path)
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        run_replay([str(log)], rules_paths=[rules], fmt="access_log", matches=False, out=out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    records = [orjson.loads(x) for x in outputs[0].splitlines()]
    assert len(records) == 3
    assert all("203.0.113.9" not in x and "198.51.100.4" not in x for x in outputs[0].splitlines())


def test_replay_of_shipped_pack_raises_bruteforce_alert_once(tmp_path: Path) -> None:
    pack = Path(__file__).resolve().parents[2] / "rules" / "detection"
    log = tmp_path / "login.log"
    log.write_text("".join(
        f'203.0.113.50 - - [02/Mar/2026:10:00:{i:02d} +0800] "POST /api/login HTTP/1.1" 401 20 "-" "okhttp/4"\n'
        for i in range(15)), encoding="utf-8")
    out = io.StringIO()
    run_replay([str(log)], rules_paths=[pack], fmt="access_log", matches=False, out=out)
    records = [orjson.loads(x) for x in out.getvalue().splitlines()]
    fired = [r for r in records if r.get("change", "fired") == "fired"]
    assert len(fired) == 1
    labels = fired[0]["alert"]["labels"] if "alert" in fired[0] else fired[0]["labels"]
    assert labels["alertname"] == "LoginBruteforce"
    assert labels["severity"] == "high"
    assert "203.0.113.50" not in labels["source_ip"]
