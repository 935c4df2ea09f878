"""`secops check` for classification packs: every problem with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.classify.cli import check
from secops.classify.engine import Classifier
from secops.errors import ConfigError
from tests.classify.conftest import DEFAULT_PACK, KEY


def write(pack_dir: Path, text: str) -> Path:
    path = pack_dir / "90-user.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(pack_dir: Path) -> list[str]:
    return [str(i) for i in check([pack_dir])]


def test_default_pack_is_clean() -> None:
    assert check([DEFAULT_PACK]) == []


def test_unknown_detector_in_rule_names_position(pack_dir: Path) -> None:
    path = write(pack_dir, "rules:\n  - id: r1\n    when: {detector: cn_ssn}\n    then: {grade: L4}\n"
                           "    tests: [{text: x, expect: {grade: L1}}]\n")
    (msg,) = messages(pack_dir)
    assert msg.startswith(f"{path}:3:")
    assert "unknown detector cn_ssn" in msg


def test_unknown_detector_settings_lists_valid_names(pack_dir: Path) -> None:
    path = write(pack_dir, "detectors:\n  cn_ssn: {min_confidence: 0.5}\n")
    (msg,) = messages(pack_dir)
    assert msg.startswith(f"{path}:2:3:")
    assert "cn_resident_id" in msg


def test_catastrophic_backtracking_pattern_refused_at_load(pack_dir: Path) -> None:
    path = write(pack_dir, "custom_detectors:\n  - name: hn_case_no\n    pattern: '(a+)+b'\n"
                           "    category: gov.unpublished\n")
    with pytest.raises(ConfigError) as err:
        Classifier.load([pack_dir], hmac_key=KEY)
    (issue,) = err.value.issues
    assert (issue.path, issue.line) == (str(path), 3)
    assert "catastrophic backtracking" in issue.message


@pytest.mark.parametrize("pattern", [r"(\\w)\\1", "(?<=no=)[0-9]{6}", "[0-9"])
def test_non_linear_or_invalid_pattern_refused(pack_dir: Path, pattern: str) -> None:
    write(pack_dir, f"custom_detectors:\n  - name: hn_case_no\n    pattern: \"{pattern}\"\n"
                    "    category: gov.unpublished\n")
    (msg,) = messages(pack_dir)
    assert "linear-time engines cannot run it" in msg


def test_category_cycle(pack_dir: Path) -> None:
    path = write(pack_dir, "categories:\n  - {id: x.a, parent: x.b}\n  - {id: x.b, parent: x.a}\n")
    msgs = messages(pack_dir)
    assert len(msgs) == 2
    assert all("parent cycle" in m and m.startswith(str(path)) for m in msgs)


def test_undefined_grade(pack_dir: Path) -> None:
    write(pack_dir, "rules:\n  - id: r1\n    when: {detector: email}\n    then: {grade: L5}\n")
    (msg,) = messages(pack_dir)
    assert ":4:" in msg
    assert "undefined grade 'L5'" in msg


def test_core_grade_needs_a_catalog(pack_dir: Path) -> None:
    write(pack_dir, "rules:\n  - id: r1\n    when: {detector: cn_resident_id}\n    then: {grade: CORE}\n")
    (msg,) = messages(pack_dir)
    assert "catalog-only" in msg


def test_all_problems_of_a_file_reported_together(pack_dir: Path) -> None:
    write(pack_dir, "rules:\n  - id: r1\n    when: {detectr: email}\n    then: {grade: L2}\n"
                    "  - id: r2\n    when: {category: pi.nope}\n    then: {grade: L2}\n")
    msgs = messages(pack_dir)
    assert len(msgs) == 2
    assert "unknown condition 'detectr'" in msgs[0]
    assert "undefined category 'pi.nope'" in msgs[1]


def test_yaml_syntax_error_has_position(pack_dir: Path) -> None:
    path = write(pack_dir, "rules: [\n")
    (msg,) = messages(pack_dir)
    assert msg.startswith(f"{path}:")


def test_custom_detector_finds_values(pack_dir: Path) -> None:
    write(pack_dir, "custom_detectors:\n  - name: hn_case_no\n    pattern: 'QZ[0-9]{8}'\n"
                    "    category: gov.unpublished\n")
    classifier = Classifier.load([pack_dir], hmac_key=KEY)
    result = classifier.classify_text("case=QZ20240001 ok")
    assert (result.grade, result.category, dict(result.findings)) == ("L3", "gov.unpublished", {"hn_case_no": 1})
