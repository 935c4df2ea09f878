"""Compile the classification hot path with mypyc into build/native/ (see secops/native.py).

    python tools/build_native.py [--force]

Does nothing when the build already matches the sources. Needs a C compiler and the Python headers; the
daemon runs the pure-Python sources whenever no fresh build exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from secops.native import BUILD_DIR, MANIFEST, NATIVE_MODULES, expected_manifest  # noqa: E402


def group_name(manifest: dict[str, object]) -> str:
    """Named after the sources, so a process holding an older build never mixes it with a newer one."""
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return f"secops_native_{digest[:12]}"


def fresh() -> bool:
    try:
        return bool(json.loads(MANIFEST.read_text()) == expected_manifest())
    except (OSError, ValueError):
        return False


def build() -> None:
    """Compile into a fresh directory, then swap it in: a process starting meanwhile sees the old build or
    the new one, never half of one (the manifest is written last)."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    manifest = expected_manifest()  # read before compiling: a source edited meanwhile leaves the build stale
    temp = ROOT / "build" / "native-tmp"
    staged = BUILD_DIR.with_name("native.new")
    shutil.rmtree(staged, ignore_errors=True)
    extensions = mypycify(list(NATIVE_MODULES), opt_level="3", group_name=group_name(manifest),
                          target_dir=str(temp / "c"))
    dist = Distribution({"name": "secops-native", "ext_modules": extensions})
    command = dist.get_command_obj("build_ext")
    command.build_lib = str(staged)
    command.build_temp = str(temp / "obj")
    command.parallel = os.cpu_count() or 1
    dist.run_command("build_ext")
    (staged / MANIFEST.name).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    retired = BUILD_DIR.with_name("native.old")
    shutil.rmtree(retired, ignore_errors=True)
    if BUILD_DIR.exists():
        BUILD_DIR.rename(retired)
    staged.rename(BUILD_DIR)
    shutil.rmtree(retired, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="rebuild even when the build matches the sources")
    args = ap.parse_args()
    os.chdir(ROOT)  # mypyc names modules after their paths relative to here
    if fresh() and not args.force:
        print(f"native build is up to date ({len(NATIVE_MODULES)} modules)")
        return 0
    began = time.monotonic()
    build()
    print(f"native build: {len(NATIVE_MODULES)} modules compiled in {time.monotonic() - began:.0f} s -> {BUILD_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
