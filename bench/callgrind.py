"""Instruction counts from valgrind's callgrind for a child ``python -m MODULE ARGS``: the same count for the
same binary and input, whatever else the machine is doing."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def collected(module: str, args: list[str], *, timeout: float = 3600) -> int:
    """Instructions the child executed in all (start-up included: measure by difference)."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m", module, *args]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, timeout=timeout)
    m = re.search(r"Collected : (\d+)", done.stderr)
    if m is None:
        raise RuntimeError(f"no instruction count from valgrind: {done.stderr[-500:]}")
    return int(m.group(1))
