"""Parse + normalize throughput per format, against bare ``json.loads`` over the same lines.

    python -m bench.parse_bench [--lines 100000] [--repeat 3]
    python -m bench.parse_bench --instructions [--lines 3000] [--formats json,cef]

For every format, 100k lines are generated in process (distinct addresses, users, paths and a timestamp
that advances one second per line, so no cache sees repeats it would not see live). Each format is timed
through ``build_parser`` + ``Normalizer.normalize``; the baseline is stdlib ``json.loads`` over the same
text in the same run (the JSON lines themselves for ``json``; each line as a JSON string literal for the
text formats). Figures are the best of ``--repeat`` runs; quote the ratios, not the absolute rates.

``--instructions`` counts instructions per line instead (valgrind callgrind; stable on a loaded machine):
each format and its ``json.loads`` baseline run in a child under valgrind twice, once with and once
without the measured pass over the lines (both generate the lines and warm up on 200 earlier lines of
the same stream), and the difference is divided by the line count.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.callgrind import collected
from secops.parse import Normalizer, ParserOptions, ZoneMap, build_parser

BASE = 1_767_225_600  # 2026-01-01T00:00:00Z
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PATHS = ("/api/v1/query", "/login", "/static/app.js", "/gov/service/apply", "/index.html", "/search")
AGENTS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
          "curl/8.5.0", "python-requests/2.32.3")
ZONES = {"egov_extranet": ["10.0.0.0/8"], "internal": ["192.168.0.0/16", "172.16.0.0/12"],
         "internet": ["0.0.0.0/0", "::/0"]}


class Gen:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def ip(self, private: bool) -> str:
        r = self.rnd.randrange
        return f"10.{r(256)}.{r(256)}.{r(1, 255)}" if private else f"{r(1, 224)}.{r(256)}.{r(256)}.{r(1, 255)}"

    def user(self) -> str:
        return f"user{self.rnd.randrange(5000)}"

    def path(self) -> str:
        return f"{self.rnd.choice(PATHS)}?id={self.rnd.randrange(10**6)}&page={self.rnd.randrange(50)}"


def _utc(i: int) -> datetime:
    return datetime.fromtimestamp(BASE + i, UTC)


def _local(i: int) -> datetime:
    return datetime.fromtimestamp(BASE + 8 * 3600 + i, UTC)  # wall clock in Asia/Shanghai


def json_line(g: Gen, i: int) -> str:
    return json.dumps({
        "@timestamp": _utc(i).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "src_ip": g.ip(False),
        "dst_ip": g.ip(True), "dst_port": 443, "user": {"name": g.user(), "id": i},
        "http": {"method": "POST", "status": 200}, "url": g.path(), "msg": "request served",
    }, ensure_ascii=False)


def syslog5424_line(g: Gen, i: int) -> str:
    ts = _utc(i).strftime("%Y-%m-%dT%H:%M:%S.") + f"{i % 1000:03d}Z"
    return (f"<38>1 {ts} web-{i % 7}.egov.local sshd {1000 + i % 30000} AUTH "
            f'[meta@32473 sequenceId="{i}"] Accepted password for {g.user()} from {g.ip(False)} port 22')


def syslog3164_line(g: Gen, i: int) -> str:
    t = _local(i)
    return (f"<86>{MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S} gw-{i % 5} sshd[{1000 + i % 30000}]: "
            f"Failed password for {g.user()} from {g.ip(False)} port {g.rnd.randrange(1024, 65535)} ssh2")


def cef_line(g: Gen, i: int) -> str:
    ms = (BASE + i) * 1000
    return (f"CEF:0|Topsec|NGFW|3.3|{100 + i % 50}|SQL injection attempt|7|rt={ms} src={g.ip(False)} "
            f"spt={g.rnd.randrange(1024, 65535)} dst={g.ip(True)} dpt=443 proto=TCP act=blocked "
            f"suser={g.user()} request=https://portal.egov.cn{g.path()} requestMethod=GET "
            f"msg=rule 4711 matched \\= union select")


def access_line(g: Gen, i: int) -> str:
    t = _local(i)
    return (f'{g.ip(False)} - - [{t:%d}/{MONTHS[t.month - 1]}/{t:%Y:%H:%M:%S} +0800] "GET {g.path()} HTTP/1.1" '
            f'200 {g.rnd.randrange(100, 90000)} "https://portal.egov.cn/" "{g.rnd.choice(AGENTS)}"')


def kv_line(g: Gen, i: int) -> str:
    t = _local(i)
    return (f'id=tos time="{t:%Y-%m-%d %H:%M:%S}" fw=TopsecOS pri=6 type=conn recorder=FW-NAT '
            f"src={g.ip(True)} dst={g.ip(False)} sport={g.rnd.randrange(1024, 65535)} dport=443 "
            f'proto=tcp user={g.user()} op="accept" msg="session created"')


FORMATS: dict[str, tuple[str, Callable[[Gen, int], str]]] = {
    "json": ("json", json_line),
    "syslog_5424": ("syslog", syslog5424_line),
    "syslog_3164": ("syslog", syslog3164_line),
    "cef": ("cef", cef_line),
    "access_log": ("access_log", access_line),
    "kv": ("kv", kv_line),
}


def _time_parse(lines: list[str], fmt: str, normalizer: Normalizer) -> float:
    parse = build_parser(ParserOptions(format=fmt))
    normalize = normalizer.normalize
    received = float(BASE + len(lines))
    start = time.process_time()
    for line in lines:
        normalize(parse(line), raw=line, received_at=received)
    return time.process_time() - start


def _time_loads(texts: list[str]) -> float:
    loads = json.loads
    start = time.process_time()
    for text in texts:
        loads(text)
    return time.process_time() - start


def run(count: int, repeat: int) -> list[tuple[str, float, float, float]]:
    rows = []
    for name, (fmt, make) in FORMATS.items():
        gen = Gen(seed=len(name))
        lines = [make(gen, i) for i in range(count)]
        texts = lines if fmt == "json" else [json.dumps(line, ensure_ascii=False) for line in lines]
        normalizer = Normalizer(ZoneMap(ZONES))
        parse_s = min(_time_parse(lines, fmt, normalizer) for _ in range(repeat))
        loads_s = min(_time_loads(texts) for _ in range(repeat))
        rows.append((name, count / parse_s, count / loads_s, parse_s / loads_s))
    return rows


WARMUP = 200


def _child(name: str, what: str, count: int, measure: bool) -> None:
    """One process under valgrind: generate, warm up, and (if ``measure``) one pass over ``count`` lines."""
    fmt, make = FORMATS[name]
    gen = Gen(seed=len(name))
    lines = [make(gen, i) for i in range(WARMUP + count)]
    if what == "loads":
        texts = lines if fmt == "json" else [json.dumps(line, ensure_ascii=False) for line in lines]
        _time_loads(texts[:WARMUP])
        if measure:
            _time_loads(texts[WARMUP:])
        return
    normalizer = Normalizer(ZoneMap(ZONES))
    _time_parse(lines[:WARMUP], fmt, normalizer)
    if measure:
        _time_parse(lines[WARMUP:], fmt, normalizer)


def instructions(name: str, what: str, count: int) -> float:
    """Instructions per line for ``what`` (``parse`` or ``loads``) over ``count`` lines of ``name``."""
    base = ["--child", name, what, "--lines", str(count)]
    return (collected("bench.parse_bench", [*base, "--measure"], timeout=1800)
            - collected("bench.parse_bench", base, timeout=1800)) / count


def _instruction_table(names: list[str], count: int) -> None:
    print(f"{'format':<12} {'parse instr/line':>17} {'json.loads instr/line':>22} {'ratio':>7}")
    for name in names:
        ours = instructions(name, "parse", count)
        base = instructions(name, "loads", count)
        print(f"{name:<12} {ours:>17,.0f} {base:>22,.0f} {ours / base:>6.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=None, help="default 100000 (3000 with --instructions)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated (--instructions)")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "WHAT"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.lines, args.measure)
        return
    if args.instructions:
        _instruction_table(args.formats.split(","), args.lines or 3000)
        return
    args.lines = args.lines or 100_000
    print(f"{'format':<12} {'events/s':>10} {'json.loads/s':>13} {'time vs json.loads':>19}")
    for name, rate, base, ratio in run(args.lines, args.repeat):
        print(f"{name:<12} {rate:>10,.0f} {base:>13,.0f} {ratio:>18.2f}x")


if __name__ == "__main__":
    main()
