"""Detection throughput: events/s with 100, 1,000 and 3,000 generated rules, prefilter index versus
evaluating every rule on every event, in the same run on one core.

    .venv/bin/python -m bench.detect_bench [--events 20000] [--sizes 100,1000,3000]

Detection is single-threaded, so one process uses one core (the process is not pinned: on a shared
machine pinning to a busy core measures the neighbours). Rules are Sigma YAML written to a temporary
folder and loaded like the shipped pack: two thirds substring
selections (contains / startswith / endswith over url.original, url.path, user_agent.original, with and
without a method or status), one third ``re`` selections. Events are realistic access-log events (flat
ECS fields, as the access_log parser makes them), about 2% carrying attack strings that hit rules.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.model.event import Event

WORDS = [
    "portal", "gov", "service", "api", "user", "citizen", "license", "tax", "health", "social", "pension",
    "housing", "permit", "record", "query", "report", "notice", "policy", "archive", "upload", "download",
    "export", "import", "search", "detail", "list", "admin", "manage", "open", "data", "file", "image",
    "static", "news", "county", "city", "province", "bureau", "office", "affair", "center", "public",
]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.49",
          "okhttp/4.12.0", "Apache-HttpClient/4.5.14 (Java/17)", "curl/8.5.0"]


def _token(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(10, 999)}"


def _rule(i: int, rng: random.Random) -> tuple[str, str]:
    kind = i % 6
    tok = _token(rng)
    tok2 = _token(rng)
    if kind == 0:
        sel = f"    url.original|contains: ['{tok}', '{tok2}']\n"
    elif kind == 1:
        sel = f"    url.path|startswith: '/{tok}/'\n    http.request.method: POST\n"
    elif kind == 2:
        sel = f"    user_agent.original|contains: '{tok}'\n"
    elif kind == 3:
        sel = f"    url.original|endswith: '.{tok}'\n    http.response.status_code: 200\n"
    elif kind == 4:
        sel = f"    url.original|re: '{tok}[0-9]+/(exec|run)'\n"
    else:
        sel = f"    url.query|re|i: '(?:^|&){tok}=[^&]*(select|union)'\n"
    text = (f"title: generated {i}\nid: gen-{i}\nlogsource: {{category: webserver}}\nlevel: medium\n"
            f"detection:\n  sel:\n{sel}  condition: sel\n")
    return tok, text


def write_rules(folder: Path, count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    tokens = []
    texts = []
    for i in range(count):
        tok, text = _rule(i, rng)
        tokens.append(tok)
        texts.append(text)
    (folder / "rules.yml").write_text("---\n".join(texts), encoding="utf-8")
    return tokens


def make_events(count: int, tokens: list[str], seed: int = 2) -> list[Event]:
    rng = random.Random(seed)
    events = []
    for i in range(count):
        path = "/" + "/".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 4)))
        query = f"id={rng.randrange(1, 10**6)}&page={rng.randrange(1, 50)}" if rng.random() < 0.6 else ""
        agent = rng.choice(AGENTS)
        if rng.random() < 0.02 and tokens:
            path += "/" + rng.choice(tokens) + "123/exec"
        fields = {"source.ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
                  "@timestamp": "2026-03-02T02:00:00Z", "http.request.method": rng.choice(["GET", "GET", "POST"]),
                  "url.original": path + ("?" + query if query else ""), "url.path": path,
                  "http.version": "1.1", "http.response.status_code": rng.choice([200, 200, 200, 302, 404]),
                  "http.response.body.bytes": rng.randrange(100, 90000), "user_agent.original": agent}
        if query:
            fields["url.query"] = query
        events.append(Event(f"e{i}", "bench", 1_772_416_800.0 + i * 0.01, 0.0, fields))
    return events


def best_of(runs: int, engine: DetectionEngine, events: list[Event], budget_seconds: float) -> tuple[float, int]:
    """The best of ``runs`` measurements: on a shared machine the fastest run is the least disturbed."""
    results = [throughput(engine, events, budget_seconds / runs) for _ in range(runs)]
    return max(r[0] for r in results), results[0][1]


def throughput(engine: DetectionEngine, events: list[Event], budget_seconds: float) -> tuple[float, int]:
    """Events/s over as many events as fit in the time budget (at least 200); returns (rate, matches)."""
    start = time.perf_counter()
    matches = 0
    done = 0
    for event in events:
        matches += len(engine.process(event))
        done += 1
        if done >= 200 and time.perf_counter() - start > budget_seconds:
            break
    return done / (time.perf_counter() - start), matches


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--budget-seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(f"{'rules':>6} {'prefiltered':>11} {'indexed ev/s':>13} {'all-rules ev/s':>15} {'ratio':>7} "
          f"{'cand/event':>10}")
    base_rate = None
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            tokens = write_rules(Path(tmp), size)
            ruleset = load_rules([Path(tmp)])
        if ruleset.errors:
            print(ruleset.errors[:3], file=sys.stderr)
            return 1
        events = make_events(args.events, tokens)
        fast = DetectionEngine(ruleset)
        naive = DetectionEngine(ruleset, prefilter=False)
        fast_rate, fast_hits = best_of(3, fast, events, args.budget_seconds)
        slow_rate, _ = best_of(3, naive, events, args.budget_seconds)
        sample = events[:2000]
        cands = sum(len(fast._c.index.candidates(e.fields)) for e in sample) / len(sample)
        base_rate = base_rate or fast_rate
        print(f"{size:>6} {fast._c.index.prefiltered:>11} {fast_rate:>13,.0f} {slow_rate:>15,.0f} "
              f"{fast_rate / slow_rate:>6.1f}x {cands:>10.2f}   (matches {fast_hits}; "
              f"cost vs first size {base_rate / fast_rate:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
