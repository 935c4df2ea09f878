"""Sigma value modifiers: one scenario per test, including the spec's edge cases."""

from __future__ import annotations

import base64

import pytest

from tests.detect.sigma.helpers import errors_of, matches


def det(body: str) -> str:
    return "detection:\n" + body + "\n  condition: sel\n"


def test_plain_string_is_case_insensitive_equality() -> None:
    rule = det("  sel:\n    http.request.method: post")
    assert matches(rule, {"http.request.method": "POST"})
    assert not matches(rule, {"http.request.method": "POSTX"})


def test_cased_is_case_sensitive() -> None:
    rule = det("  sel:\n    user.name|cased: Admin")
    assert matches(rule, {"user.name": "Admin"})
    assert not matches(rule, {"user.name": "admin"})


@pytest.mark.parametrize(("mod", "value", "hit", "miss"), [
    ("contains", "union select", "/a?id=1 UNION SELECT 2", "/a?id=1 union  select"),
    ("startswith", "/admin", "/Admin/login", "/x/admin"),
    ("endswith", ".jsp", "/upload/shell.JSP", "/shell.jsp.txt"),
])
def test_shape_modifiers(mod: str, value: str, hit: str, miss: str) -> None:
    rule = det(f"  sel:\n    url.original|{mod}: '{value}'")
    assert matches(rule, {"url.original": hit})
    assert not matches(rule, {"url.original": miss})


def test_list_of_values_is_or_and_all_is_and() -> None:
    anyof = det("  sel:\n    url.original|contains: [select, union]")
    allof = det("  sel:\n    url.original|contains|all: [select, union]")
    assert matches(anyof, {"url.original": "select 1"})
    assert not matches(allof, {"url.original": "select 1"})
    assert matches(allof, {"url.original": "union select 1"})


def test_all_on_single_value_is_refused() -> None:
    assert any("single value" in e for e in errors_of(det("  sel:\n    a|contains|all: [x]")))


def test_all_without_contains_is_refused() -> None:
    assert any("matches nothing" in e for e in errors_of(det("  sel:\n    a|all: [x, y]")))


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("a*c", "abbbc", True),
    ("a?c", "abc", True),
    ("a?c", "abbc", False),
    (r"a\*c", "a*c", True),
    (r"a\*c", "abc", False),
    (r"a\?c", "a?c", True),
    (r"a\\*", "a\\xyz", True),        # \\* is a backslash then a wildcard
    (r"a\\*", "axyz", False),
    (r"a\\\*", "a\\*", True),         # \\\* is a literal backslash-star
    (r"a\\\*", "a\\x", False),
    (r"c:\windows\system32", "C:\\Windows\\System32", True),  # backslash before other chars is literal
    (r"c:\windows\*", "C:\\Windows\\x", False),  # \* is an escaped, literal star
])
def test_wildcards_and_escapes(pattern: str, text: str, expected: bool) -> None:
    rule = "detection:\n  sel:\n    f: '" + pattern.replace("'", "''") + "'\n  condition: sel\n"
    assert matches(rule, {"f": text}) is expected


def test_null_matches_absent_or_null_field() -> None:
    rule = det("  sel:\n    user.name: null")
    assert matches(rule, {})
    assert matches(rule, {"user.name": None})
    assert not matches(rule, {"user.name": ""})


def test_not_null_needs_negated_selection() -> None:
    rule = "detection:\n  sel:\n    a: x\n  filter:\n    user.name: null\n  condition: sel and not filter\n"
    assert matches(rule, {"a": "x", "user.name": "bob"})
    assert not matches(rule, {"a": "x"})


def test_null_in_a_list_is_refused() -> None:
    assert any("null must stand alone" in e for e in errors_of(det("  sel:\n    a: [x, null]")))


def test_empty_string_matches_empty_value_only() -> None:
    rule = det("  sel:\n    a: ''")
    assert matches(rule, {"a": ""})
    assert not matches(rule, {})


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, False)])
def test_exists(value: bool, expected: bool) -> None:
    rule = det(f"  sel:\n    user.name|exists: {str(value).lower()}")
    assert matches(rule, {"user.name": "x"}) is expected
    assert matches(rule, {"other": 1}) is not expected


def test_numbers_match_numeric_and_text_values() -> None:
    rule = det("  sel:\n    http.response.status_code: 404")
    assert matches(rule, {"http.response.status_code": 404})
    assert matches(rule, {"http.response.status_code": "404"})
    assert not matches(rule, {"http.response.status_code": 4040})


@pytest.mark.parametrize(("mod", "hit", "miss"), [("lt", 5, 10), ("lte", 10, 11), ("gt", 11, 10), ("gte", 10, 9)])
def test_numeric_comparisons(mod: str, hit: int, miss: int) -> None:
    rule = det(f"  sel:\n    data.subjects|{mod}: 10")
    assert matches(rule, {"data.subjects": hit})
    assert matches(rule, {"data.subjects": str(hit)})
    assert not matches(rule, {"data.subjects": miss})
    assert not matches(rule, {"data.subjects": "many"})


def test_neq_negates_the_item() -> None:
    rule = det("  sel:\n    http.request.method|neq: GET")
    assert matches(rule, {"http.request.method": "POST"})
    assert not matches(rule, {"http.request.method": "get"})


@pytest.mark.parametrize(("ip", "expected"), [
    ("10.1.2.3", True), ("11.0.0.1", False), ("2001:db8::1", True), ("2001:db9::1", False), ("junk", False),
])
def test_cidr_v4_and_v6(ip: str, expected: bool) -> None:
    rule = det("  sel:\n    source.ip|cidr: ['10.0.0.0/8', '2001:db8::/32']")
    assert matches(rule, {"source.ip": ip}) is expected


def test_invalid_cidr_is_refused() -> None:
    assert any("invalid CIDR" in e for e in errors_of(det("  sel:\n    source.ip|cidr: 10.0.0.0/33")))


@pytest.mark.parametrize("cmd", ["tool -exec x", "tool /exec x", "tool \u2013exec x", "tool \u2014exec x",
                                 "tool \u2015exec x"])
def test_windash_permutes_dashes(cmd: str) -> None:
    rule = det("  sel:\n    process.command_line|windash|contains: ' -exec '")
    assert matches(rule, {"process.command_line": cmd})


def test_windash_leaves_inner_dashes() -> None:
    rule = det("  sel:\n    f|windash: '-param-name'")
    assert matches(rule, {"f": "/param-name"})
    assert not matches(rule, {"f": "/param/name"})


def test_windash_with_all_is_refused() -> None:
    assert any("windash cannot be combined with all" in e
               for e in errors_of(det("  sel:\n    f|windash|contains|all: [-a, -b]")))


def test_re_is_case_sensitive_and_unanchored() -> None:
    rule = det(r"  sel:" + "\n" + r"    url.query|re: 'id=\d+ union'")
    assert matches(rule, {"url.query": "x&id=12 union"})
    assert not matches(rule, {"url.query": "x&id=12 UNION"})


@pytest.mark.parametrize(("flags", "text"), [("i", "ID=1 UNION"), ("m", "a\nid=1 union"), ("s", "id=1\nunion")])
def test_re_sub_flags(flags: str, text: str) -> None:
    pattern = {"i": r"id=\d union", "m": r"^id=\d union$", "s": r"id=\d.union"}[flags]
    rule = det(f"  sel:\n    f|re|{flags}: '{pattern}'")
    assert matches(rule, {"f": text})
    assert not matches(det(f"  sel:\n    f|re: '{pattern}'"), {"f": text})


@pytest.mark.parametrize("pattern", [r"(a)\1", "a(?=b)", "(?<!x)y"])
def test_non_linear_regex_is_refused(pattern: str) -> None:
    errors = errors_of(det(f"  sel:\n    f|re: '{pattern}'"))
    assert any("not linear-time safe" in e and "rule.yml:3:" in e for e in errors)


def test_base64() -> None:
    encoded = base64.b64encode(b"/bin/sh -c").decode()
    rule = det("  sel:\n    f|base64: '/bin/sh -c'")
    assert matches(rule, {"f": encoded})
    assert not matches(rule, {"f": encoded.lower()})


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"xyz"])
def test_base64offset_finds_every_alignment(prefix: bytes) -> None:
    rule = det("  sel:\n    f|base64offset|contains: 'http://evil'")
    assert matches(rule, {"f": base64.b64encode(prefix + b"GET http://evil.example/").decode()})


def test_base64offset_without_contains_is_refused() -> None:
    assert any("requires contains" in e for e in errors_of(det("  sel:\n    f|base64offset: x")))


@pytest.mark.parametrize(("mod", "encoded"), [
    ("utf16le", "cmd".encode("utf-16-le")),
    ("wide", "cmd".encode("utf-16-le")),
    ("utf16be", "cmd".encode("utf-16-be")),
    ("utf16", b"\xff\xfe" + "cmd".encode("utf-16-le")),
])
def test_utf16_family_with_base64(mod: str, encoded: bytes) -> None:
    rule = det(f"  sel:\n    f|{mod}|base64: cmd")
    assert matches(rule, {"f": base64.b64encode(encoded).decode()})


def test_wide_without_base64_matches_interleaved_text() -> None:
    rule = det("  sel:\n    f|wide|contains: cmd")
    assert matches(rule, {"f": "x" + "cmd".encode("utf-16-le").decode("latin-1")})


@pytest.mark.parametrize(("mod", "value", "stamp"), [
    ("minute", 30, "2026-03-01T08:30:00+08:00"),
    ("hour", 8, "2026-03-01T08:30:00+08:00"),   # as written: no time-zone conversion
    ("day", 1, "2026-03-01T08:30:00+08:00"),
    ("week", 9, "2026-03-01T08:30:00+08:00"),
    ("month", 3, "2026-03-01T08:30:00+08:00"),
    ("year", 2026, "2026-03-01T08:30:00+08:00"),
])
def test_time_parts(mod: str, value: int, stamp: str) -> None:
    assert matches(det(f"  sel:\n    '@timestamp|{mod}': {value}"), {"@timestamp": stamp})
    assert not matches(det(f"  sel:\n    '@timestamp|{mod}': {value + 1}"), {"@timestamp": stamp})


def test_time_part_with_comparison() -> None:
    rule = det("  sel:\n    '@timestamp|hour|gte': 22")
    assert matches(rule, {"@timestamp": "2026-03-01T23:10:00+08:00"})
    assert not matches(rule, {"@timestamp": "2026-03-01T21:10:00+08:00"})


def test_fieldref_compares_two_fields() -> None:
    rule = det("  sel:\n    user.name|fieldref: user.target.name")
    assert matches(rule, {"user.name": "Bob", "user.target.name": "bob"})
    assert not matches(rule, {"user.name": "bob", "user.target.name": "eve"})
    assert not matches(rule, {"user.name": "bob"})


def test_fieldref_with_neq() -> None:
    rule = det("  sel:\n    user.name|fieldref|neq: user.target.name")
    assert matches(rule, {"user.name": "bob", "user.target.name": "eve"})


def test_expand_uses_config_placeholders() -> None:
    rule = det("  sel:\n    host.name|expand: '%portal_hosts%'")
    assert matches(rule, {"host.name": "www.gov.example"}, expand={"portal_hosts": ["www.gov.example", "x"]})
    assert not matches(rule, {"host.name": "other"}, expand={"portal_hosts": ["www.gov.example"]})


def test_expand_with_unknown_placeholder_rejects_the_rule() -> None:
    assert any("%portal_hosts%" in e for e in errors_of(det("  sel:\n    h|expand: '%portal_hosts%'")))


def test_placeholder_without_expand_is_literal() -> None:
    assert matches(det("  sel:\n    h: '%x%'"), {"h": "%x%"})


def test_unknown_modifier_lists_valid_ones() -> None:
    errors = errors_of(det("  sel:\n    f|contain: x"))
    assert "unknown modifier 'contain'" in errors[0]
    assert "contains" in errors[0]
    assert errors[0].startswith("rule.yml:3:5:")


def test_same_modifier_twice_is_refused() -> None:
    assert any("applied twice" in e for e in errors_of(det("  sel:\n    f|contains|contains: x")))


def test_keywords_search_every_field() -> None:
    rule = "detection:\n  keywords:\n    - 'jndi:ldap'\n    - 'jndi:rmi'\n  condition: keywords\n"
    assert matches(rule, {"user_agent.original": "${jndi:ldap://x}"})
    assert not matches(rule, {"user_agent.original": "Mozilla"})


def test_keywords_with_all() -> None:
    rule = "detection:\n  keywords:\n    '|all': [union, select]\n  condition: keywords\n"
    assert matches(rule, {"a": "union", "b": "select"})
    assert not matches(rule, {"a": "union"})


def test_multi_valued_field_matches_any_element() -> None:
    rule = det("  sel:\n    tags: admin")
    assert matches(rule, {"tags": ["user", "ADMIN"]})
