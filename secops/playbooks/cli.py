"""Entry points for the lead's CLI: ``secops oncall now`` and the playbook part of ``secops test``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from secops.clock import FakeClock
from secops.errors import ConfigError
from secops.playbooks.loader import load_playbooks
from secops.playbooks.simulate import run_playbook_tests


def run_oncall_now(paths: Sequence[str | Path], *, now: float, out: TextIO) -> int:
    """Print who is on duty per tier at ``now`` and until when; exit code 1 on a config error or a gap."""
    try:
        pset = load_playbooks(paths, clock=FakeClock(now))
    except ConfigError as err:
        for issue in err.issues:
            print(issue, file=out)
        return 1
    zone = pset.oncall.zone
    local = datetime.fromtimestamp(now, zone)
    print(f"on duty at {local:%Y-%m-%d %H:%M} ({zone.key}, "
          f"{'working day' if pset.intervals.calendar.is_workday(local.date()) else 'rest day'})", file=out)
    tiers = pset.oncall.tier_ids()
    if not tiers:
        print("no on-call tiers configured", file=out)
        return 1
    gap = False
    for tier_id in tiers:
        shift = pset.oncall.shift(tier_id, now)
        tier = pset.oncall.tier(tier_id)
        names = ", ".join(f"{pset.people[p].name} ({p})" if p in pset.people else p for p in shift.people)
        until = f" until {datetime.fromtimestamp(shift.until, zone):%Y-%m-%d %H:%M}" if shift.until else ""
        label = f"{tier_id} {tier.name}".strip() if tier else tier_id
        print(f"  {label}: {names or '(nobody)'}{until}", file=out)
        gap = gap or not shift.people
    return 1 if gap and not pset.oncall.shift(tiers[0], now).people else 0


def run_tests(paths: Sequence[str | Path], *, out: TextIO) -> int:
    """Run playbook tests and print one line per test (and its problems); exit code 1 on any failure."""
    results = run_playbook_tests(paths)
    for result in results:
        print(result, file=out)
    return 0 if results and all(r.passed for r in results) else (1 if results else 0)
