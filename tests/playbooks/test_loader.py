from __future__ import annotations

from pathlib import Path

import pytest

from secops.clock import FakeClock
from secops.errors import ConfigError
from secops.playbooks.loader import check, load_playbooks
from tests.playbooks.helpers import ONCALL, REPO, write_dir


def test_shipped_playbooks_load() -> None:
    pset = load_playbooks([REPO / "playbooks"], clock=FakeClock())
    assert [pb.id for pb in pset.playbooks] == ["shift-handover", "important-data", "critical-high", "default"]
    assert set(pset.channels) == {"dingtalk_duty", "sms_duty", "email_duty", "wall"}


def test_every_error_reported_with_position(tmp_path: Path) -> None:
    root = write_dir(tmp_path, ("oncall.yaml", ONCALL), ("bad.yaml", """\
        channels:
          pager: {type: sms, url: "http://x"}
          mail: {type: email, host: h, sender: s}
          im: {type: carrier_pigeon}
          ding: {type: dingtalk, robots: [{url: {env: X}}], masking: annotations}
        playbooks:
          - id: p1
            match: ['severity=="x"']
            steps:
              - notify: {tier: nobody, channels: [pager]}
              - wait_for_ack: {timeout_seconds: -1}
          - id: p2
            steps:
              - notify: {tier: duty, channels: [fax]}
        """))
    with pytest.raises(ConfigError) as err:
        load_playbooks([root], clock=FakeClock())
    text = str(err.value)
    assert "bad.yaml:4:14: error: unknown action type 'carrier_pigeon'; valid types: alertmanager, dingtalk" in text
    assert "bad.yaml:5:" in text
    assert "masking must stay 'strict'" in text
    assert "bad.yaml:8:" in text
    assert "invalid matcher" in text
    assert "bad.yaml:14:" in text
    assert "unknown channel 'fax'" in text


def test_unknown_option_names_key(tmp_path: Path) -> None:
    root = write_dir(tmp_path, ("x.yaml", """\
        playbooks:
          - id: p
            stepz: []
            steps: [{notify: {channels: []}}]
        """))
    issues = [str(i) for i in check([root], clock=FakeClock())]
    assert any("x.yaml:3:5: error:" in i and "unknown option 'stepz'" in i for i in issues), issues


def test_warns_coverage_gap_and_unreachable_person(tmp_path: Path) -> None:
    root = write_dir(tmp_path, ("x.yaml", """\
        channels:
          pager: {type: sms, url: "http://x"}
        people:
          alice: {name: A, contacts: [{channel: pager, to: "1"}]}
          ghost: {name: G}
        oncall:
          tiers:
            - id: duty
              rotation: {type: daily, start: 2026-01-10, members: [alice, ghost]}
        playbooks:
          - id: p
            steps: [{notify: {tier: duty, channels: [pager]}}]
        """))
    warnings = [str(i) for i in check([root], clock=FakeClock()) if i.level == "warning"]  # clock: 2026-01-01
    assert any("tier 'duty' has nobody on duty" in w and "first at 2026-01-01 08:00" in w for w in warnings)
    assert any("person 'ghost' has no contacts and cannot be reached" in w for w in warnings)
    assert any("person 'ghost' cannot be reached by playbook 'p' step 1" in w for w in warnings)


def test_per_person_contact_needs_address(tmp_path: Path) -> None:
    root = write_dir(tmp_path, ("x.yaml", """\
        channels:
          pager: {type: sms, url: "http://x"}
        people:
          alice: {name: A, contacts: [{channel: pager}]}
        """))
    errors = [str(i) for i in check([root], clock=FakeClock()) if i.level == "error"]
    assert any("x.yaml:4:" in e and "needs 'to'" in e for e in errors)


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    root = write_dir(tmp_path, ("x.yaml", "playbooks: [\n"))
    (issue,) = [i for i in check([root], clock=FakeClock()) if i.level == "error"]
    assert issue.path.endswith("x.yaml")
    assert issue.line >= 1
    assert "YAML syntax" in issue.message
