"""Loading rule packs: local overrides, meta-filters, exceptions, skipped statuses, check()."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from secops.detect.loader import check, load_rules
from secops.detect.sigma.matchers import EventView

RULE = """title: SQL injection in query
id: r-sqli
status: test
logsource: {category: webserver}
detection:
  sel:
    cs-uri-query|contains: 'union select'
  condition: sel
level: high
secops:
  exceptions:
    - name: scanners
      fields: [c-ip]
      comps: [cidr]
      values: [['10.9.0.0/16']]
"""


def hits(ruleset_path: list[Path], fields: dict[str, object], **kw: object) -> list[str]:
    rs = load_rules(ruleset_path, **kw)  # type: ignore[arg-type]
    assert not rs.errors, rs.errors
    return [r.id for r in rs.rules if r.matches(EventView(fields))]


def test_taxonomy_fields_map_to_ecs(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", RULE)
    assert hits([tmp_path / "rules"], {"url.original": "/x?id=1 UNION SELECT 1", "source.ip": "1.2.3.4"}) == ["r-sqli"]


def test_exception_tuple_suppresses(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", RULE)
    assert hits([tmp_path / "rules"], {"url.original": "union select", "source.ip": "10.9.1.1"}) == []


def test_local_append_extends_exception(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", RULE)
    write_rule("local/extra.yml", "id: r-sqli\nsecops:\n  override: append\n  exceptions:\n"
                                  "    - name: scanners\n      values: [['192.0.2.0/24']]\n")
    event = {"url.original": "union select", "source.ip": "192.0.2.7"}
    assert hits([tmp_path / "rules"], event) == ["r-sqli"]
    assert hits([tmp_path / "rules"], event, local_paths=[tmp_path / "local"]) == []
    assert hits([tmp_path / "rules"], {"url.original": "union select", "source.ip": "10.9.1.1"},
                local_paths=[tmp_path / "local"]) == []


def test_local_replace_overrides_rule(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", RULE)
    replacement = RULE.replace("union select", "sleep(").replace("secops:\n", "secops:\n  override: replace\n")
    write_rule("local/r.yml", replacement)
    assert hits([tmp_path / "rules"], {"url.original": "sleep(5)"}, local_paths=[tmp_path / "local"]) == ["r-sqli"]
    assert hits([tmp_path / "rules"], {"url.original": "union select"}, local_paths=[tmp_path / "local"]) == []


def test_local_duplicate_without_override_is_an_error(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", RULE)
    local = write_rule("local/r.yml", RULE)
    issues = check([tmp_path / "rules"], local_paths=[tmp_path / "local"])
    assert any(str(local) in str(i) and "override: replace" in i.message for i in issues)


def test_meta_filter_applies_to_named_rule(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", RULE)
    write_rule("f.yml", "title: ignore health checks\nid: f1\nlogsource: {category: webserver}\nfilter:\n"
                        "  rules: [r-sqli]\n  sel:\n    cs-uri-stem: /health\n  condition: sel\n")
    assert hits([tmp_path / "rules"], {"url.original": "/health?union select", "url.path": "/health"}) == []
    assert hits([tmp_path / "rules"], {"url.original": "/x?union select", "url.path": "/x"}) == ["r-sqli"]


def test_archive_folder_and_deprecated_rules_are_not_loaded(write_rule: Callable[[str, str], Path],
                                                            tmp_path: Path) -> None:
    write_rule("archive/old.yml", RULE.replace("r-sqli", "r-old"))
    write_rule("dep.yml", RULE.replace("r-sqli", "r-dep").replace("status: test", "status: deprecated"))
    rs = load_rules([tmp_path / "rules"])
    assert [r.id for r in rs.rules] == []
    assert any("deprecated" in i.message and i.level == "warning" for i in rs.issues)


def test_broken_rule_is_reported_with_line_and_column(write_rule: Callable[[str, str], Path],
                                                      tmp_path: Path) -> None:
    path = write_rule("bad.yml", RULE.replace("cs-uri-query|contains", "cs-uri-query|contians"))
    issues = [i for i in check([tmp_path / "rules"]) if i.level == "error"]
    assert [str(i).split(": error")[0] for i in issues] == [f"{path}:7:5"]
    assert "unknown modifier 'contians'" in issues[0].message


def test_yaml_syntax_error_has_position(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    path = write_rule("bad.yml", "title: x\ndetection: [\n")
    issues = check([tmp_path / "rules"])
    assert issues[0].path == str(path)
    assert issues[0].line >= 2


def test_unknown_secops_option_is_refused(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", RULE + "  resolv: {quiet_seconds: 10}\n")
    issues = [i for i in check([tmp_path / "rules"]) if i.level == "error"]
    assert any("unknown option 'resolv'" in i.message and i.line == 16 for i in issues)


def test_v1_collection_is_refused(write_rule: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_rule("a.yml", "action: global\ntitle: x\n")
    assert any("obsolete" in i.message for i in check([tmp_path / "rules"]))
