"""Compile the classification hot path with mypyc into build/native/ (see secops/native.py).

    python tools/build_native.py [--force]

Does nothing when the build already matches the sources and the libhs found now. Needs a C compiler and the
Python headers; the C scanner (secops/classify/_hsscan.c) also needs libhs with its headers (Debian:
libhyperscan-dev), found with pkg-config, and is left out without them. The daemon runs the pure-Python
sources whenever no fresh build exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from secops.native import BUILD_DIR, C_SOURCES, MANIFEST, NATIVE_MODULES, expected_manifest, judge  # noqa: E402


def group_name(manifest: dict[str, object]) -> str:
    """Named after the sources, so a process holding an older build never mixes it with a newer one."""
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return f"secops_native_{digest[:12]}"


def fresh() -> bool:
    try:
        recorded = json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return False
    return judge(recorded, expected_manifest())[0] and recorded.get("libhs", "") == libhs_version()


def pkg_config(*args: str) -> list[str] | None:
    try:
        done = subprocess.run(["pkg-config", *args, "libhs"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.split()


def libhs_version() -> str:
    """The system libhs's version, or "" when pkg-config does not find it."""
    found = pkg_config("--modversion")
    return found[0] if found else ""


def scanner_extension() -> object | None:
    """The C scanner as a setuptools Extension, or None without libhs."""
    from setuptools import Extension

    cflags, libs = pkg_config("--cflags-only-I"), pkg_config("--libs")
    if cflags is None or libs is None:
        return None
    return Extension("secops.classify._hsscan", sources=list(C_SOURCES),
                     include_dirs=[f[2:] for f in cflags if f.startswith("-I")],
                     library_dirs=[f[2:] for f in libs if f.startswith("-L")],
                     libraries=[f[2:] for f in libs if f.startswith("-l")],
                     extra_compile_args=["-O2", "-Wall", "-Werror"])


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
    scanner = scanner_extension()
    if scanner is not None:
        extensions.append(scanner)
        manifest["libhs"] = libhs_version()
    else:
        print("libhs not found (pkg-config libhs; Debian: libhyperscan-dev): building without the C scanner")
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
        print(f"native build is up to date ({len(NATIVE_MODULES)} modules, libhs {libhs_version() or 'absent'})")
        return 0
    began = time.monotonic()
    build()
    scanner = f" and the C scanner (libhs {libhs_version()})" if libhs_version() else ""
    print(f"native build: {len(NATIVE_MODULES)} modules{scanner} compiled in {time.monotonic() - began:.0f} s "
          f"-> {BUILD_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
