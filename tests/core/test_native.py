"""The mypyc build of the classification hot path: used only when fresh, and identical in behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import secops.classify.extract
from bench.corpus import generate
from secops import native
from secops.classify.extract import Extractor, default_active

ROOT = Path(__file__).resolve().parents[2]


def test_a_build_of_other_sources_or_another_python_is_refused() -> None:
    expected = native.expected_manifest()
    assert native.judge(expected, expected)[0]
    modules = dict(expected["modules"])  # type: ignore[call-overload]
    modules[native.NATIVE_MODULES[0]] = "0" * 64
    ok, why = native.judge({**expected, "modules": modules}, expected)
    assert not ok
    assert "stale" in why
    ok, why = native.judge({**expected, "cache_tag": "cpython-39"}, expected)
    assert not ok
    assert "another Python" in why


def test_make_test_runs_the_compiled_hot_path() -> None:
    # `make test` builds it first; without it the scan would silently run at pure-Python speed
    ok, why = native.status()
    assert ok, f"{why}: run `make native` (tools/build_native.py)"
    assert secops.classify.extract.__file__ is not None
    assert secops.classify.extract.__file__.endswith(".so")
    # and the C scanner: `make test` installs libhs (libhyperscan-dev) before building
    assert "C scanner on hyperscan" in why, why
    assert Extractor(default_active()).scanner.binding == "c"


def _scan(path: Path, *, pure: bool) -> bytes:
    env = {**os.environ, "SECOPS_CLASSIFICATION_HMAC_KEY": "native-test-hmac-key-0123456789"}
    env.pop(native.PURE_ENV, None)
    if pure:
        env[native.PURE_ENV] = "1"
    done = subprocess.run([sys.executable, "-m", "secops", "scan", str(path)], capture_output=True, env=env,
                          cwd=ROOT, timeout=240, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def test_compiled_and_pure_python_scans_are_byte_identical(tmp_path: Path) -> None:
    lines = [line for line, _ in generate(3000, seed=7, planted_share=0.5)]
    corpus = tmp_path / "corpus.log"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    compiled, pure = _scan(corpus, pure=False), _scan(corpus, pure=True)
    assert compiled.count(b"\n") == len(lines)
    assert b'"findings":{"' in compiled  # the corpus plants values: the comparison covers real findings
    assert compiled == pure
