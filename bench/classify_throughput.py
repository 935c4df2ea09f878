"""Classification throughput and memory, with baselines measured in the same run.

    python -m bench.classify_throughput [--lines 200000] [--memory-lines 1000000] [--bindings]

* ours        - ``secops scan``'s path on raw text, no parse: normalize, one hyperscan scan per line, exact
                validators on candidates only, field hints from the key token before each value, grading
                rules, one JSON line out per input line (``scan_stream``).
* ours-pyhs   - (``--bindings``, instead of floor and naive-line) ours with the scanner on python-hyperscan,
                a Python callback per match, instead of the C module secops/classify/_hsscan.c: what it brings.
* naive       - the usual hand-written classifier: parse the line into fields (secops.parse, format
                ``auto``), then for every field value and every type Python ``re.finditer`` with ASCII
                lookarounds plus the same exact validators; no grading, no output.
* naive-line  - the same regexes and validators over the whole raw line instead of per field (kinder to
                the baseline; shown for transparency).
* floor       - parse (same parser) + one multi-pattern hyperscan scan of the line with the same pattern
                database and binding (the C module when built); no validation, no grading, no output.

Figures are ratios against the baselines from this run (the machine drifts +-30% between runs); the three
methods run in alternating chunks and are charged CPU time, so load changes hit all of them alike.

    python -m bench.classify_throughput --instructions [--lines 3000]

counts instructions per line instead (valgrind callgrind; the same count whatever the load): each method
runs in a child under valgrind twice, once with and once without the measured pass over the lines (both load
the rules, generate the corpus and warm up on 3,000 other lines, so memos and caches are as warm as in a
long scan), and the difference is divided by the lines.
"""

from __future__ import annotations

import argparse
import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.callgrind import collected
from bench.corpus import generate
from secops import gcpolicy
from secops.classify import validators as v
from secops.classify.cli import scan_stream
from secops.classify.engine import Classifier
from secops.classify.normalize import normalize
from secops.classify.scanner import Scanner
from secops.errors import ParseError
from secops.parse import ParserOptions, build_parser

ROOT = Path(__file__).resolve().parents[1]
KEY = b"bench-throughput-hmac-key-01"

_NAIVE: list[tuple[str, str, Callable[[str], bool]]] = [
    ("cn_resident_id", r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                       r"(?![0-9A-Za-z])", v.resident_id18),
    ("cn_resident_id15", r"(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])",
     lambda s: v.upgrade_id15(s) is not None),
    ("cn_uscc", r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])", v.uscc),
    ("cn_org_code", r"(?<![0-9A-Za-z])[0-9A-Z]{8}-[0-9X](?![0-9A-Za-z])", v.org_code),
    ("bank_card", r"(?<![0-9])(?=(?:62|4|5[1-5]|60|9[45]))(?:\d[ -]?){15,18}\d(?![0-9])",
     lambda s: v.luhn(s.replace(" ", "").replace("-", ""))),
    ("cn_mobile", r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?![0-9])", lambda s: True),
    ("cn_landline", r"(?<![0-9])0(?:10|2\d|[3-9]\d{2})[- ]?[2-9]\d{6,7}(?![0-9])", lambda s: True),
    ("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,18}", lambda s: True),
    ("cn_passport", r"(?<![0-9A-Za-z])(?:E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8})(?![0-9A-Za-z])", lambda s: True),
    ("cn_travel_permit", r"(?<![0-9A-Za-z])(?:[HM]\d{8}|C\d{8})(?![0-9A-Za-z])", lambda s: True),
    ("hk_id", r"(?<![0-9A-Za-z])[A-Z]{1,2}\d{6}\([0-9A]\)", v.hk_id),
    ("tw_id", r"(?<![0-9A-Za-z])[A-Z][12]\d{8}(?![0-9A-Za-z])", v.tw_id),
    ("cn_plate", r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][0-9A-HJ-NP-Z]{5,6}",
     lambda s: True),
    ("vin", r"(?<![0-9A-Za-z])[A-HJ-NPR-Z0-9]{17}(?![0-9A-Za-z])", v.vin),
    ("ipv4", r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])", lambda s: True),
    ("ipv6", r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])", lambda s: True),
    ("credential", r"(?i)(?:password|pwd|token|secret)[\"']?\s*[:=]\s*[\"']?[^\s\"'&,;]{4,}", lambda s: True),
    ("geo_coordinate", r"(?i)(?:lat|wd)[\"']?\s*[:=]\s*[\"']?-?\d{1,3}\.\d{4,}", lambda s: True),
    ("cn_name", r"(?:xm|xingming|name|姓名)[\"']?\s*[:=]\s*[\"']?[\u4e00-\u9fa5]{2,4}", lambda s: True),
    ("cn_address", r"(?:dz|address|jtzz|住址)[\"']?\s*[:=]\s*[\"']?[\u4e00-\u9fa50-9]{6,60}", lambda s: True),
]


def corpus(lines: int, planted_share: float = 0.35) -> list[bytes]:
    return [line.encode() for line, _ in generate(lines, seed=424242, planted_share=planted_share)]


_COMPILED = [(name, re.compile(p), check) for name, p, check in _NAIVE]
_PARSE = build_parser(ParserOptions(format="auto"))


def _parse(line: str) -> dict[str, Any]:
    try:
        return _PARSE(line)
    except ParseError:
        return {"message": line}


def run_naive(data: list[bytes]) -> int:
    found = 0
    for raw in data:
        for value in _parse(raw.decode("utf-8")).values():
            if not isinstance(value, str):
                continue
            for _, regex, check in _COMPILED:
                for m in regex.finditer(value):
                    if check(m.group(0)):
                        found += 1
    return found


def run_naive_line(data: list[bytes]) -> int:
    found = 0
    for raw in data:
        line = raw.decode("utf-8")
        for _, regex, check in _COMPILED:
            for m in regex.finditer(line):
                if check(m.group(0)):
                    found += 1
    return found


def run_floor(classifier: Classifier, data: list[bytes]) -> int:
    scanner = classifier.ruleset.extractor.scanner  # the same pattern database and binding ours uses
    count = 0
    for raw in data:
        line = raw.decode("utf-8")
        count += len(_parse(line))
        count += len(scanner.reported(b"\n" + normalize(line).encode() + b"\n"))
    return count


def run_ours(classifier: Classifier, data: list[bytes], out: io.StringIO | None = None) -> int:
    n = scan_stream(classifier, io.BytesIO(b"\n".join(data) + b"\n"), io.StringIO() if out is None else out)
    assert n == len(data)
    return n


def check_ours(classifier: Classifier, data: list[bytes]) -> None:
    """One JSON line out per line in (checked once, outside the timed runs)."""
    out = io.StringIO()
    run_ours(classifier, data, out)
    assert out.getvalue().count("\n") == len(data)


def timed(fn: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cycle(data: list[bytes], total: int) -> Iterator[bytes]:
    for i in range(total):
        yield data[i % len(data)] + b"\n"


def memory(classifier: Classifier, data: list[bytes], total: int) -> list[tuple[int, int]]:
    """RSS every 100k lines while scanning ``total`` lines (output discarded after each batch)."""

    class Sink(io.TextIOBase):
        def write(self, s: str) -> int:
            return len(s)

    samples: list[tuple[int, int]] = []
    step = 100_000
    stream = _cycle(data, total)
    for done in range(0, total, step):
        chunk = io.BytesIO(b"".join(next(stream) for _ in range(min(step, total - done))))
        scan_stream(classifier, chunk, Sink())
        samples.append((done + step, rss_kib()))
    return samples


def on_python_hyperscan(classifier: Classifier) -> Classifier | None:
    """Another classifier of the same rules whose scanner runs through python-hyperscan, or None when the C
    module is not in use (then ours already does)."""
    if classifier.ruleset.extractor.scanner.binding != "c":
        return None
    other = Classifier.load([ROOT / "rules" / "classification"], hmac_key=KEY)
    extractor = other.ruleset.extractor
    extractor.scanner = Scanner(extractor.scanner.shapes, engine="hyperscan", binding="python")
    return other


def interleaved(classifier: Classifier, data: list[bytes], rounds: int = 10,
                pyhs: Classifier | None = None) -> dict[str, float]:
    """Seconds per method over ``data``, measured in alternating chunks so load drift hits all alike. With
    ``pyhs``: ours against ours on python-hyperscan, and naive for scale (``--bindings``)."""
    methods: dict[str, Callable[[list[bytes]], int]] = {
        "ours": lambda chunk: run_ours(classifier, chunk),
        "floor": lambda chunk: run_floor(classifier, chunk),
        "naive": run_naive,
        "naive-line": run_naive_line,
    }
    if pyhs is not None:
        methods = {"ours": methods["ours"], "ours-pyhs": lambda chunk: run_ours(pyhs, chunk), "naive": run_naive}
    totals = dict.fromkeys(methods, 0.0)
    size = max(1, len(data) // rounds)
    names = list(methods)
    for r, start in enumerate(range(0, len(data), size)):
        chunk = data[start:start + size]
        for name in names[r % len(names):] + names[:r % len(names)]:  # rotate the order every round
            began = time.process_time()  # CPU time: less sensitive to other load on the shared cores
            methods[name](chunk)
            totals[name] += time.process_time() - began
    return totals


def report(title: str, classifier: Classifier, data: list[bytes], pyhs: Classifier | None = None) -> None:
    mb = sum(len(d) + 1 for d in data) / 1e6
    t = interleaved(classifier, data, pyhs=pyhs)
    print(f"{title}: {len(data)} lines, {mb:.1f} MB, engine {classifier.ruleset.extractor.scanner.engine}")
    for name, seconds in t.items():
        print(f"  {name:<10} {seconds:7.2f} s  {len(data) / seconds:9.0f} lines/s  {mb / seconds:6.1f} MB/s")
    if pyhs is not None:
        print(f"  the C scanner: ours {t['ours-pyhs'] / t['ours']:.2f}x as fast as on python-hyperscan; ours "
              f"{t['naive'] / t['ours']:.1f}x naive, on python-hyperscan {t['naive'] / t['ours-pyhs']:.1f}x")
        return
    print(f"  ours vs naive: {t['naive'] / t['ours']:.1f}x faster (vs naive-line {t['naive-line'] / t['ours']:.1f}x); "
          f"ours vs floor: {t['floor'] / t['ours']:.2f}x (>= 1.0 means no slower than the floor)")


MODULE = "bench.classify_throughput"
WARMUP = 3000  # as many lines as measured: memos and caches in the state a long scan keeps them
CORPORA = {"dense": 0.35, "realistic": 0.08}


def _child(corpus_name: str, method: str, count: int, measure: bool) -> None:
    """One process under valgrind: load, generate, warm up, and (if ``measure``) one pass over ``count``."""
    classifier = Classifier.load([ROOT / "rules" / "classification"], hmac_key=KEY)
    data = corpus(WARMUP + count, CORPORA[corpus_name])
    run: dict[str, Callable[[list[bytes]], int]] = {
        "ours": lambda chunk: run_ours(classifier, chunk), "floor": lambda chunk: run_floor(classifier, chunk),
        "naive": run_naive}
    run[method](data[count:])
    gcpolicy.settle()  # as `secops scan` does once its rules are loaded
    if measure:
        run[method](data[:count])


def instructions(corpus_name: str, method: str, count: int) -> float:
    base = ["--child", corpus_name, method, "--lines", str(count)]
    return (collected(MODULE, [*base, "--measure"]) - collected(MODULE, base)) / count


def instruction_table(count: int) -> None:
    print(f"instructions per line (callgrind, {count} lines, {native_status()})")
    print(f"{'corpus':<10} {'ours':>9} {'floor':>9} {'naive':>11} {'naive/ours':>11} {'floor/ours':>11}")
    for name in CORPORA:
        ours, floor, naive = (instructions(name, m, count) for m in ("ours", "floor", "naive"))
        print(f"{name:<10} {ours:>9,.0f} {floor:>9,.0f} {naive:>11,.0f} {naive / ours:>10.1f}x {floor / ours:>10.2f}x",
              flush=True)


def native_status() -> str:
    from secops.native import status

    return status()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=None, help="default 200000 (3000 with --instructions)")
    ap.add_argument("--memory-lines", type=int, default=1_000_000)
    ap.add_argument("--instructions", action="store_true", help="count instructions under callgrind")
    ap.add_argument("--bindings", action="store_true",
                    help="ours against ours on python-hyperscan instead of the C scanner (and naive for scale)")
    ap.add_argument("--child", nargs=2, metavar=("CORPUS", "METHOD"), help=argparse.SUPPRESS)
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.lines, args.measure)
        return
    if args.instructions:
        instruction_table(args.lines or 3000)
        return
    args.lines = args.lines or 200_000
    print(f"classification hot path: {native_status()}")
    classifier = Classifier.load([ROOT / "rules" / "classification"], hmac_key=KEY)
    dense = corpus(args.lines)
    check_ours(classifier, dense[:2000])  # and warms caches
    pyhs = on_python_hyperscan(classifier) if args.bindings else None
    if args.bindings and pyhs is None:
        raise SystemExit("--bindings: the C scanner is not built (make native, with libhs installed)")
    if pyhs is not None:
        check_ours(pyhs, dense[:2000])
        args.memory_lines = 0
    gcpolicy.settle()  # as `secops scan` does once its rules are loaded (every method below runs under it)
    report("dense corpus (35% of lines carry 1-3 planted values, 30% decoys; an IP on every line)",
           classifier, dense, pyhs)
    report("realistic density (8% of lines carry planted values)", classifier, corpus(args.lines, 0.08), pyhs)
    if args.memory_lines:
        samples = memory(classifier, dense, args.memory_lines)
        print("RSS while scanning:", ", ".join(f"{n // 1000}k={kib / 1024:.0f}MiB" for n, kib in samples))
        first, last = samples[0][1], samples[-1][1]
        print(f"RSS growth from 100k to {samples[-1][0] // 1000}k lines: {(last - first) / 1024:+.1f} MiB")


if __name__ == "__main__":
    main()
