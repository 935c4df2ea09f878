from __future__ import annotations

import io
import json
from pathlib import Path

from secops.classify.cli import run_scan
from tests.classify.conftest import DEFAULT_PACK, KEY

LINES = [
    "GET /q?sfzh=460105199003071239 HTTP/1.1",
    "nothing here",
    "xm=张三&sjhm=13800138000",
    "sfzh=110105********1239",
    "",
]


def scan(files: list[str], fmt: str | None = None) -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = run_scan(files, rules_paths=[DEFAULT_PACK], fmt=fmt, out=out, progress=True, hmac_key=KEY)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_scan_prints_one_object_per_line_in_order(tmp_path: Path) -> None:
    f = tmp_path / "a.log"
    f.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    code, records = scan([str(f)])
    assert code == 0
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0] == {"line": 1, "grade": "L4", "category": "pi.identity", "findings": {"cn_resident_id": 1},
                          "masked_findings": {"cn_resident_id": ["4601**********1239"]},
                          "rules": ["item-floor", "hainan-resident"]}
    assert records[1]["grade"] == "L1"
    assert records[2]["grade"] == "L4"
    assert records[3]["already_masked"] == {"cn_resident_id": 1}
    assert records[3]["findings"] == {}


def test_scan_100k_lines_in_input_order(tmp_path: Path) -> None:
    f = tmp_path / "big.log"
    with f.open("w", encoding="utf-8") as out:
        for i in range(100_000):
            out.write(f"seq={i} sjhm=13800138000\n" if i % 7 == 0 else f"seq={i} GET /static/{i}.js 200\n")
    code, records = scan([str(f)])
    assert code == 0
    assert len(records) == 100_000
    assert [r["line"] for r in records] == list(range(1, 100_001))
    assert all((r["grade"] == "L3") == ((r["line"] - 1) % 7 == 0) for r in records)


def test_scan_gbk_line(tmp_path: Path) -> None:
    f = tmp_path / "gbk.log"
    f.write_bytes("姓名:张三 手机:13800138000\n".encode("gbk"))
    code, records = scan([str(f)])
    assert code == 0
    assert records[0]["findings"] == {"cn_name": 1, "cn_mobile": 1}


def test_scan_with_format_uses_parsed_fields(tmp_path: Path) -> None:
    f = tmp_path / "j.log"
    f.write_text('{"message": "upload", "sfzh": "460105199003071239"}\n', encoding="utf-8")
    code, records = scan([str(f)], fmt="json")
    assert code == 0
    assert records[0]["grade"] == "L4"


def test_scan_missing_file_is_an_error(tmp_path: Path) -> None:
    code, records = scan([str(tmp_path / "nope.log")])
    assert code == 1
    assert records == []


def test_scan_broken_rules_prints_positions(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("grades: [{id: L1, rank: 1, zh: a, en: b}]\nrules: [{id: x, then: {grade: L9}}]\n",
                                     encoding="utf-8")
    out = io.StringIO()
    code = run_scan([str(tmp_path / "r.yaml")], rules_paths=[tmp_path], fmt=None, out=out, progress=False,
                    hmac_key=KEY)
    assert code == 1
    assert out.getvalue() == ""
