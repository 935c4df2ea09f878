from pathlib import Path

import pytest

from secops.check import collect
from secops.errors import ConfigError
from secops.settings import default_settings, load_settings
from secops.sources.config import HttpSource, SyslogSource

THREE_MISTAKES = """\
sources:
  egov_mqtt:
    type: mqtt
    url: "tcp://127.0.0.1:1883"
    topics: ["egov/logs/#"]
    client_id: secops-1
  syslog_in:
    type: syslog
    mode: udp
    adress: "127.0.0.1:5514"
store:
  type: sqlite
  retention_days: 90
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "secops.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_check_reports_all_three_mistakes_with_lines(tmp_path: Path) -> None:
    path = write(tmp_path, THREE_MISTAKES)
    issues = collect(path)
    where = [(i.line, i.col) for i in issues]
    assert where == [(4, 10), (10, 5), (13, 19)]
    assert "mqtt://" in issues[0].message
    assert "unknown option 'adress'" in issues[1].message
    assert "180" in issues[2].message and "six months" in issues[2].message
    assert all(str(i).startswith(f"{path}:") for i in issues)


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  a: {type: syslog\n  b: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    issue = caught.value.issues[0]
    assert issue.path == path
    assert issue.line == 3
    assert "YAML syntax" in issue.message


def test_unknown_source_type_lists_valid_types(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  x:\n    type: kafka\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = caught.value.issues[0].message
    assert caught.value.issues[0].line == 3
    for name in ("mqtt", "syslog", "http", "file"):
        assert name in message


def test_embedded_default_listens_on_loopback() -> None:
    settings = default_settings()
    assert settings.http.address == "127.0.0.1:8080"
    syslog = settings.sources["syslog"]
    assert isinstance(syslog, SyslogSource)
    assert (syslog.mode, syslog.address) == ("both", "127.0.0.1:5514")
    assert isinstance(settings.sources["http"], HttpSource)
    assert settings.store.type == "sqlite"


def test_empty_file_is_the_plain_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""))
    assert settings.sources == {}


def test_duplicate_syslog_address_is_refused(tmp_path: Path) -> None:
    text = ("sources:\n  a: {type: syslog, address: '127.0.0.1:6000'}\n"
            "  b: {type: syslog, address: '127.0.0.1:6000'}\n")
    issues = collect(write(tmp_path, text))
    assert len(issues) == 1
    assert issues[0].line == 3
    assert "already used by a" in issues[0].message
