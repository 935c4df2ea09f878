"""Memoized verdicts (events without fields or time) must equal full evaluation, event by event.

The oracle is the same event with its time given: that path never uses the memo, and the default pack's
windowed rules need fields (destination.zone) these events do not have.
"""

from __future__ import annotations

import datetime as dt
import itertools

from secops.classify import synth
from secops.classify.engine import Classifier
from secops.classify.types import Classification
from secops.clock import FakeClock
from tests.classify.conftest import DEFAULT_PACK, KEY

NOW = dt.datetime.fromisoformat("2026-03-01T10:00:00+08:00").timestamp()


def _texts() -> list[str]:
    children = [synth.resident_id(n, birth_year=2015) for n in range(0, 39, 3)]  # Hainan and elsewhere
    adults = [synth.resident_id(n, birth_year=1980) for n in range(1, 40, 3)]
    ids = [v for pair in zip(children, adults, strict=True) for v in pair]
    texts = [f"sfzh={v}" for v in ids]
    texts += [f"xm=张三&sfzh={a}&sjhm={synth.mobile(i)}" for i, a in enumerate(ids[:6])]
    texts += [f"sfzh={a};sfzh={b}" for a, b in itertools.pairwise(ids)]
    texts += ["sfzh=110105********1239", "upstream 10.20.30.40:8080", "GET /static/app.js HTTP/1.1 200"]
    return texts


def test_memoized_verdicts_equal_fresh_evaluation_for_every_event() -> None:
    c = Classifier.load([DEFAULT_PACK], hmac_key=KEY, clock=FakeClock(NOW))
    texts = _texts()
    expected: list[Classification] = [c.classify_text(t, timestamp=NOW) for t in texts]
    assert len({r.category for r in expected}) >= 3 and any(r.subjects == 2 for r in expected)
    for _ in range(2):  # the second round is served from the memo
        assert [c.classify_text(t) for t in texts] == expected


def test_a_full_memo_drops_its_older_half_and_stays_correct() -> None:
    c = Classifier.load([DEFAULT_PACK], hmac_key=KEY, clock=FakeClock(NOW))
    memo = c.ruleset._memo
    distinct = []  # texts that each add a memo entry
    for t in _texts():
        before = len(memo)
        c.classify_text(t)
        if len(memo) > before:
            distinct.append(t)
    assert len(distinct) >= 9
    memo.clear()
    c.ruleset.memo_size = 8
    for t in distinct[:9]:
        c.classify_text(t)
    assert len(memo) == 5  # full at the 9th: the 4 oldest went
    c.classify_text(distinct[4])  # kept: served from the memo
    assert len(memo) == 5
    c.classify_text(distinct[0])  # dropped: evaluated again
    assert len(memo) == 6
    expected = [c.classify_text(t, timestamp=NOW) for t in distinct]
    assert [c.classify_text(t) for t in distinct] == expected


def test_memo_tells_a_child_from_an_adult_of_the_same_region() -> None:
    c = Classifier.load([DEFAULT_PACK], hmac_key=KEY, clock=FakeClock(NOW))
    child, adult = "sfzh=46010520150307118X", "sfzh=460105199003071239"
    seen = [c.classify_text(t) for t in (child, adult, child, adult)]
    assert [r.category for r in seen] == ["pi.minor", "pi.identity", "pi.minor", "pi.identity"]
    assert ["PIPL-28-minor" in r.tags for r in seen] == [True, False, True, False]
    assert all("hainan-resident" in r.tags for r in seen)
    beijing = c.classify_text("sfzh=110105199003071239")
    assert "hainan-resident" not in beijing.tags


def test_memo_follows_the_clock_past_a_birthday() -> None:
    clock = FakeClock(NOW)
    c = Classifier.load([DEFAULT_PACK], hmac_key=KEY, clock=clock)
    text = "sfzh=46010520150307118X"  # born 2015-03-07: 14 on 2029-03-07
    assert c.classify_text(text).category == "pi.minor"
    clock.advance(dt.datetime.fromisoformat("2029-03-08T10:00:00+08:00").timestamp() - NOW)
    assert c.classify_text(text).category == "pi.identity"


def test_a_tie_between_categories_does_not_depend_on_the_order_of_findings() -> None:
    c = Classifier.load([DEFAULT_PACK], hmac_key=KEY, clock=FakeClock(NOW))
    card, person = f"yhkh={synth.bank_card(3)}", f"sfzh={synth.resident_id(5, birth_year=1980)}"
    # both are L4 at the same depth: the category declared first in the pack (pi.identity) takes the event,
    # in the memoized path and in the full one, whichever value comes first
    for timestamp in (None, NOW):
        verdicts = {c.classify_text(f"{a} {b}", timestamp=timestamp).category
                    for a, b in ((card, person), (person, card))}
        assert verdicts == {"pi.identity"}
