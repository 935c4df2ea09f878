from __future__ import annotations

from pathlib import Path

from secops.store.journal import Journal


def test_entries_replay_in_order_and_files_go_when_drained(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j", segment_bytes=200)
    for i in range(20):
        j.append("ledger", {"n": i, "text": "值班交接"}, 1)
    assert j.pending_records == 20
    assert len(list((tmp_path / "j").glob("seg-*.jsonl"))) > 1  # rotated
    seen = []
    for _ in range(100):
        entry = j.peek()
        if entry is None:
            break
        seen.append(entry.data["n"])
        j.advance(entry)
    assert seen == list(range(20))
    assert j.empty
    assert list((tmp_path / "j").glob("seg-*.jsonl")) == []
    j.append("ledger", {"n": 20}, 1)
    entry = j.peek()
    assert entry is not None
    assert entry.data == {"n": 20}
    j.close()


def test_restart_resumes_after_cursor_and_ignores_torn_tail(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j")
    for i in range(5):
        j.append("events", [i], 3)
    for _ in range(2):
        entry = j.peek()
        assert entry is not None
        j.advance(entry)
    j.close()
    seg = next((tmp_path / "j").glob("seg-*.jsonl"))
    with seg.open("ab") as f:
        f.write(b'{"op":"events","n":3,"da')  # crash mid-append: never acknowledged
    j2 = Journal(tmp_path / "j")
    assert j2.pending_records == 9
    entry = j2.peek()
    assert entry is not None
    assert entry.data == [2]
    j2.close()
