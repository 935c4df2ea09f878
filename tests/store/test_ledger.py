"""Tamper tests on the live SQLite ledger: every edit is caught and the first bad seq is named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secops.clock import FakeClock
from secops.errors import SecopsError
from secops.store.config import SqliteStoreSettings
from secops.store.ledger import GENESIS, Signer, check_kind, make_record, verify_chain
from secops.store.sqlite import SqliteStore
from secops.store.verify import verify_store


async def _filled(settings: SqliteStoreSettings, clock: FakeClock, n: int = 20) -> SqliteStore:
    s = await SqliteStore.open(settings, clock=clock)
    for i in range(n):
        clock.advance(1)
        await s.ledger_append("ack", {"alert_id": f"a{i}", "principal": "值班员-王", "at": clock.now()})
    return s


def _sql(path: str, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for st in statements:
        conn.execute(st)
    conn.close()


async def _verify_after(settings: SqliteStoreSettings, clock: FakeClock, *statements: str) -> tuple[bool, int | None]:
    s = await _filled(settings, clock)
    _sql(settings.path, *statements)
    report = await verify_store(s)
    await s.close()
    return report.ok, report.first_bad_seq


def test_record_hash_covers_canonical_body_and_prev() -> None:
    a = make_record(1, 10.0, "ack", {"b": 1, "a": "张"}, GENESIS)
    b = make_record(1, 10.0, "ack", {"a": "张", "b": 1}, GENESIS)
    assert a.body == b.body
    assert a.body.startswith(b'{"kind":"ack","payload":{"a":"\xe5\xbc\xa0","b":1},"prev":"000')
    assert make_record(2, 10.0, "ack", {}, a.hash).prev == a.hash


def test_ledger_kind_must_be_lowercase_name() -> None:
    with pytest.raises(SecopsError, match="invalid ledger kind"):
        check_kind("Drop Table")


async def test_append_returns_consecutive_seqs(store: SqliteStore) -> None:
    assert [await store.ledger_append("config_reload", {"n": i}) for i in range(3)] == [1, 2, 3]


async def test_untouched_ledger_verifies(sqlite_settings: SqliteStoreSettings, clock: FakeClock) -> None:
    assert await _verify_after(sqlite_settings, clock) == (True, None)


@pytest.mark.parametrize("column", ["body", "kind", "ts", "hash"])
async def test_one_changed_byte_names_that_seq(sqlite_settings: SqliteStoreSettings, clock: FakeClock,
                                               column: str) -> None:
    edits = {
        "body": "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), 'a7', 'a8') AS BLOB) WHERE seq = 8",
        "kind": "UPDATE ledger SET kind = 'ach' WHERE seq = 8",
        "ts": "UPDATE ledger SET ts = ts + 1 WHERE seq = 8",
        "hash": "UPDATE ledger SET hash = substr(hash, 1, 63) || 'x' WHERE seq = 8",
    }
    assert await _verify_after(sqlite_settings, clock, edits[column]) == (False, 8)


async def test_deleted_record_names_its_seq(sqlite_settings: SqliteStoreSettings, clock: FakeClock) -> None:
    assert await _verify_after(sqlite_settings, clock, "DELETE FROM ledger WHERE seq = 5") == (False, 5)


async def test_swapped_records_name_first_swapped_seq(sqlite_settings: SqliteStoreSettings,
                                                      clock: FakeClock) -> None:
    ok, bad = await _verify_after(
        sqlite_settings, clock,
        "UPDATE ledger SET seq = -1 WHERE seq = 6", "UPDATE ledger SET seq = 6 WHERE seq = 11",
        "UPDATE ledger SET seq = 11 WHERE seq = -1")
    assert (ok, bad) == (False, 6)


async def test_swapped_contents_name_first_swapped_seq(sqlite_settings: SqliteStoreSettings,
                                                       clock: FakeClock) -> None:
    ok, bad = await _verify_after(
        sqlite_settings, clock,
        "CREATE TEMP TABLE t AS SELECT * FROM ledger WHERE seq IN (6, 11)",
        "UPDATE ledger SET body = (SELECT body FROM t WHERE seq = 11), hash = (SELECT hash FROM t WHERE seq = 11)"
        " WHERE seq = 6",
        "UPDATE ledger SET body = (SELECT body FROM t WHERE seq = 6), hash = (SELECT hash FROM t WHERE seq = 6)"
        " WHERE seq = 11")
    assert (ok, bad) == (False, 6)


async def test_truncated_tail_names_first_missing_seq(sqlite_settings: SqliteStoreSettings,
                                                      clock: FakeClock) -> None:
    assert await _verify_after(sqlite_settings, clock, "DELETE FROM ledger WHERE seq > 14") == (False, 15)


async def test_truncated_tail_with_rewritten_head_caught_by_sidecar_checkpoint(
        sqlite_settings: SqliteStoreSettings, clock: FakeClock) -> None:
    s = await _filled(sqlite_settings, clock)
    await s.checkpoint()  # head seq 20 goes to the checkpoint table and the sidecar file
    _sql(sqlite_settings.path, "DELETE FROM ledger WHERE seq > 14", "DELETE FROM checkpoints",
         "UPDATE meta SET value = (SELECT json_object('seq', 14, 'hash', hash) FROM ledger WHERE seq = 14) "
         "WHERE key = 'ledger_head'")
    report = await verify_store(s)
    await s.close()
    assert (report.ok, report.first_bad_seq) == (False, 15)
    assert "truncated" in report.problem


async def test_checkpoints_are_signed_with_configured_key(tmp_path: Path, clock: FakeClock) -> None:
    key = Ed25519PrivateKey.generate()
    signer = Signer(key)
    settings = SqliteStoreSettings(path=str(tmp_path / "k.db"), checkpoint_every_records=5)
    s = await SqliteStore.open(settings, clock=clock, signer=signer)
    for i in range(12):
        await s.ledger_append("handover", {"from": "甲班", "to": "乙班", "n": i})
    _, _, cps = await s.ledger_state()
    assert [c.seq for c in cps] == [5, 10]
    assert all(len(c.signature) == 128 for c in cps)
    assert (await verify_store(s)).ok
    _sql(settings.path, "UPDATE checkpoints SET ts = ts + 1 WHERE seq = 10")
    report = await verify_store(s)
    await s.close()
    assert (report.ok, report.first_bad_seq) == (False, 10)


def test_signer_loads_pem_key_from_file(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "ledger.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    assert len(Signer.from_pem_file(path).public_hex) == 64


def test_signer_refuses_unreadable_key_naming_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.pem"
    path.write_text("not a key")
    with pytest.raises(SecopsError, match=r"bad\.pem:1:1: error: cannot load Ed25519"):
        Signer.from_pem_file(path)


def test_verify_chain_detects_reordering_in_memory() -> None:
    r1 = make_record(1, 1.0, "ack", {}, GENESIS)
    r2 = make_record(2, 2.0, "ack", {}, r1.hash)
    r3 = make_record(3, 3.0, "ack", {}, r2.hash)
    assert verify_chain([r1, r2, r3]).ok
    bad = verify_chain([r1, r3, r2])
    assert (bad.ok, bad.first_bad_seq) == (False, 2)
