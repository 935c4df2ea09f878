"""Compiled (mypyc) builds of the classification hot path, used only while they match the sources.

``make`` compiles the modules in ``NATIVE_MODULES`` with mypyc into ``build/native/``, and the C scanner
``secops/classify/_hsscan.c`` when the system has libhs, and records the SHA-256 of every source and the libhs
version in ``manifest.json`` (``tools/build_native.py``). A package on the hot path calls
``extend_path`` from its ``__init__``: when the whole build is fresh for this interpreter, the build
directory goes in front of the package's ``__path__``, so its submodules import the compiled form. Any
edited source, another Python, or ``SECOPS_PURE_PYTHON=1`` keeps every module pure Python: a stale build is
never run, and behaviour is the same either way (tests/test_native.py compares the two).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build" / "native"
MANIFEST = BUILD_DIR / "manifest.json"
PURE_ENV = "SECOPS_PURE_PYTHON"

# the per-line path of `secops scan` and the pipeline's classification stage
NATIVE_MODULES = (
    "secops/classify/normalize.py",
    "secops/classify/scanner.py",
    "secops/classify/extract.py",
    "secops/classify/hints.py",
    "secops/classify/masking.py",
    "secops/classify/types.py",
    "secops/classify/validators.py",
    "secops/classify/ruleset.py",
    "secops/classify/conditions.py",
    "secops/classify/windows.py",
    "secops/classify/engine.py",
    "secops/classify/cli.py",
    "secops/classify/detectors/base.py",
    "secops/classify/detectors/address.py",
    "secops/classify/detectors/bank_card.py",
    "secops/classify/detectors/credential.py",
    "secops/classify/detectors/email.py",
    "secops/classify/detectors/geo.py",
    "secops/classify/detectors/hk_id.py",
    "secops/classify/detectors/ipv4.py",
    "secops/classify/detectors/ipv6.py",
    "secops/classify/detectors/landline.py",
    "secops/classify/detectors/mobile.py",
    "secops/classify/detectors/name.py",
    "secops/classify/detectors/org_code.py",
    "secops/classify/detectors/passport.py",
    "secops/classify/detectors/plate.py",
    "secops/classify/detectors/resident_id.py",
    "secops/classify/detectors/resident_id15.py",
    "secops/classify/detectors/travel_permit.py",
    "secops/classify/detectors/tw_id.py",
    "secops/classify/detectors/uscc.py",
    "secops/classify/detectors/vin.py",
)


# C sources built with them: the scanner's hyperscan binding, when the system has libhs (tools/build_native.py)
C_SOURCES = ("secops/classify/_hsscan.c",)


def source_digest(relative: str) -> str:
    return hashlib.sha256((ROOT / relative).read_bytes()).hexdigest()


def expected_manifest() -> dict[str, object]:
    """What a build of the current sources for this interpreter records."""
    return {"cache_tag": sys.implementation.cache_tag, "soabi": _soabi(),
            "modules": {m: source_digest(m) for m in (*NATIVE_MODULES, *C_SOURCES)}}


def _soabi() -> str:
    import sysconfig

    return str(sysconfig.get_config_var("SOABI") or "")


@functools.cache
def status() -> tuple[bool, str]:
    """(compiled modules in use, why or why not): computed once per process."""
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return False, f"pure Python ({PURE_ENV} is set)"
    try:
        recorded = json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return False, "pure Python (no native build; `make native` compiles one)"
    try:
        expected = expected_manifest()
    except OSError as err:  # a source file is missing: the build cannot match
        return False, f"pure Python ({err})"
    return judge(recorded, expected)


def judge(recorded: dict[str, object], expected: dict[str, object]) -> tuple[bool, str]:
    """Whether a build recorded as ``recorded`` may run for sources and interpreter ``expected``."""
    if recorded.get("cache_tag") != expected["cache_tag"] or recorded.get("soabi") != expected["soabi"]:
        return False, "pure Python (the native build is for another Python)"
    if recorded.get("modules") != expected["modules"]:
        return False, "pure Python (the native build is stale: sources changed since; `make native`)"
    hyperscan = recorded.get("libhs")
    scanner = f"; C scanner on hyperscan {hyperscan}" if hyperscan else "; no C scanner (built without libhs)"
    return True, f"native (mypyc, {len(NATIVE_MODULES)} modules{scanner})"


def extend_path(package: str, path: list[str]) -> None:
    """Put the compiled modules of ``package`` (dotted name) first on its ``__path__`` when the build is
    fresh. Called from the package's ``__init__`` with its ``__path__``."""
    if not status()[0]:
        return
    directory = BUILD_DIR.joinpath(*package.split("."))
    if not directory.is_dir() or str(directory) in path:
        return
    path.insert(0, str(directory))
    if str(BUILD_DIR) not in sys.path:  # mypyc's shared library is a top-level module of the build
        sys.path.append(str(BUILD_DIR))
