"""Run every benchmark in turn: ``python -m bench`` (``make bench``).

Each prints its own table with ratios against a baseline measured in the same run. They take minutes and
load the machine; run them on a quiet machine and quote ratios, not absolute rates.
"""

from __future__ import annotations

import runpy
import sys

BENCHES = ("bench.parse_bench", "bench.classify_throughput", "bench.corpus_score", "bench.detect_bench",
           "bench.console_bench")


def main() -> int:
    only = set(sys.argv[1:])
    for name in BENCHES:
        if only and name.removeprefix("bench.") not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        saved = sys.argv
        sys.argv = [name]
        try:
            runpy.run_module(name, run_name="__main__")
        finally:
            sys.argv = saved
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
