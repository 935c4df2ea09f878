"""Score the classifier on the labelled corpus: precision and recall per detector (target >= 0.99).

    python -m bench.corpus_score [--lines 50000] [--seed N] [--show-errors 5]

Counts per line and detector: true positives min(found, expected), false positives the excess found,
false negatives the excess expected. Exit status 1 when a detector with support falls below the target.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import generate
from secops.classify.engine import Classifier

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.99


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str, dict[str, int], dict[str, int]]] = field(default_factory=list)

    def add(self, line: str, expected: dict[str, int], found: dict[str, int]) -> None:
        for det in set(expected) | set(found):
            e, f = expected.get(det, 0), found.get(det, 0)
            self.tp[det] += min(e, f)
            self.fp[det] += max(0, f - e)
            self.fn[det] += max(0, e - f)
            if e != f and len(self.errors) < 10_000:
                self.errors.append((det, line, expected, found))

    def table(self) -> list[tuple[str, int, float, float]]:
        rows = []
        for det in sorted(set(self.tp) | set(self.fp) | set(self.fn)):
            tp, fp, fn = self.tp[det], self.fp[det], self.fn[det]
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            rows.append((det, tp + fn, precision, recall))
        return rows


def score(lines: int, seed: int) -> Score:
    classifier = Classifier.load([ROOT / "rules" / "classification"], hmac_key=b"bench-corpus-hmac-key-0001")
    result = Score()
    batch: list[tuple[str, dict[str, int]]] = []

    def flush() -> None:
        found = classifier.classify_batch([(line, None, None) for line, _ in batch])
        for (line, expected), got in zip(batch, found, strict=True):
            result.add(line, expected, dict(got.findings))
        batch.clear()

    for item in generate(lines, seed=seed):
        batch.append(item)
        if len(batch) >= 512:
            flush()
    if batch:
        flush()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=20260301)
    ap.add_argument("--show-errors", type=int, default=3)
    args = ap.parse_args()
    result = score(args.lines, args.seed)
    print(f"{'detector':<18} {'support':>8} {'precision':>10} {'recall':>8}")
    failed = False
    for det, support, precision, recall in result.table():
        flag = "" if precision >= TARGET and recall >= TARGET else "  <-- below target"
        failed = failed or bool(flag)
        print(f"{det:<18} {support:>8} {precision:>10.4f} {recall:>8.4f}{flag}")
    for det, line, expected, found in result.errors[: args.show_errors * 20]:
        if sum(1 for e in result.errors if e[0] == det) and args.show_errors:
            print(f"  {det}: expected {expected.get(det, 0)} found {found.get(det, 0)}: {line[:220]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
