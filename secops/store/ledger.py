"""The hash-chained, append-only ledger: record format, chain verification and checkpoint signatures.

Each record's ``body`` is the canonical JSON (sorted keys, no spaces, UTF-8) of
``{"kind", "payload", "prev", "seq", "ts"}``, where ``prev`` is the hash of the record before it (64 zeros
for the first one). Its ``hash`` is the SHA-256 of ``body``. Changing, removing or reordering a record
breaks the chain at that seq; removing the tail is caught by the head and the checkpoints, which a signing
key (Ed25519) makes unforgeable without the key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from secops.errors import ConfigError, Issue, SecopsError
from secops.store.codec import dumps, loads

GENESIS = "0" * 64
_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")


class LedgerKind(StrEnum):
    """Kinds written by secops itself; other components may add their own lowercase names."""

    ALERT = "alert"
    NOTIFICATION = "notification"
    ACK = "ack"
    SILENCE = "silence"
    RULES = "rules"  # rule-set change; payload carries the content hash of the rules in force
    CONFIG_RELOAD = "config_reload"
    EXPORT = "export"
    AUTH_FAILURE = "auth_failure"
    HANDOVER = "handover"
    RETENTION = "retention"


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    seq: int
    ts: float
    kind: str
    body: bytes  # canonical JSON, the hashed bytes
    hash: str

    @property
    def prev(self) -> str:
        return str(loads(self.body)["prev"])

    def payload(self) -> dict[str, Any]:
        return dict(loads(self.body)["payload"])


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    ts: float
    signature: str = ""  # hex Ed25519 signature of checkpoint_message(), empty when unsigned


@dataclass(frozen=True, slots=True)
class ChainAnchor:
    """Where a chain (or a slice of it) starts: the seq and hash of the record before the first."""

    seq: int = 0
    hash: str = GENESIS


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.checked} records verified"
        return f"FAILED at seq {self.first_bad_seq}: {self.problem}"


def check_kind(kind: str) -> str:
    if not _KIND.match(kind):
        raise SecopsError(f"invalid ledger kind {kind!r}: expected lowercase letters, digits, '_' or '.'")
    return kind


def make_record(seq: int, ts: float, kind: str, payload: Mapping[str, Any], prev: str) -> LedgerRecord:
    body = dumps({"kind": kind, "payload": payload, "prev": prev, "seq": seq, "ts": ts})
    return LedgerRecord(seq, ts, kind, body, hashlib.sha256(body).hexdigest())


def _record_problem(rec: LedgerRecord, expect_seq: int, expect_prev: str, body: Any = None) -> str:
    if hashlib.sha256(rec.body).hexdigest() != rec.hash:
        return "record hash does not match its content"
    if body is None:
        try:
            body = loads(rec.body)
        except ValueError:
            return "record body is not JSON"
    if not isinstance(body, dict):
        return "record body is not a JSON object"
    if body.get("seq") != rec.seq or body.get("kind") != rec.kind or body.get("ts") != rec.ts:
        return "record columns differ from its hashed body"
    if rec.seq != expect_seq:
        return f"expected seq {expect_seq}, found seq {rec.seq} (record missing or out of order)"
    if body.get("prev") != expect_prev:
        return "previous-hash link broken (a record before it was removed, reordered or altered)"
    return ""


class ChainVerifier:
    """Feeds records in seq order from ``anchor``; the first one that fails names the first bad seq.

    Checkpoints (from the table, the sidecar file or a manifest) must agree with the records at their seq;
    one beyond the last record, or a ``head`` past it, means the tail was truncated.
    """

    def __init__(self, *, anchor: ChainAnchor = ChainAnchor(), checkpoints: Iterable[Checkpoint] = ()) -> None:
        self.anchor = anchor
        self._cps: dict[int, set[str]] = {}
        for c in checkpoints:
            self._cps.setdefault(c.seq, set()).add(c.hash)
        self.prev, self.expect, self.checked = anchor.hash, anchor.seq + 1, 0

    def feed(self, rec: LedgerRecord, body: dict[str, Any] | None = None) -> VerifyReport | None:
        """Check the next record (``body``: its parsed body, when the caller has it already)."""
        problem = _record_problem(rec, self.expect, self.prev, body)
        if not problem and rec.seq in self._cps and self._cps[rec.seq] != {rec.hash}:
            problem = "record differs from the checkpoint taken at this seq"
        if problem:
            bad = min(self.expect, rec.seq) if rec.seq > 0 else self.expect
            return VerifyReport(False, self.checked, bad, problem)
        self.prev, self.expect, self.checked = rec.hash, self.expect + 1, self.checked + 1
        return None

    def finish(self, head: ChainAnchor | None = None) -> VerifyReport:
        last = self.expect - 1
        beyond = [seq for seq in self._cps if seq > last]
        if beyond:
            return VerifyReport(False, self.checked, self.expect,
                                f"ledger ends at seq {last} but a checkpoint exists for seq {max(beyond)} "
                                "(tail truncated)")
        if head is not None and head.seq > last:
            return VerifyReport(False, self.checked, self.expect,
                                f"ledger ends at seq {last}, its head says {head.seq} (tail truncated)")
        if head is not None and (head.seq < last or (last > self.anchor.seq and head.hash != self.prev)):
            return VerifyReport(False, self.checked, min(head.seq + 1, last),
                                "ledger head does not match the last record")
        return VerifyReport(True, self.checked)


def verify_chain(records: Iterable[LedgerRecord], *, anchor: ChainAnchor = ChainAnchor(),
                 head: ChainAnchor | None = None, checkpoints: Iterable[Checkpoint] = ()) -> VerifyReport:
    v = ChainVerifier(anchor=anchor, checkpoints=checkpoints)
    for rec in records:
        failed = v.feed(rec)
        if failed is not None:
            return failed
    return v.finish(head)


# --- checkpoint signatures -----------------------------------------------------------------------


def checkpoint_message(seq: int, hash_: str, ts: float) -> bytes:
    return dumps({"hash": hash_, "seq": seq, "ts": ts})


class Signer:
    """Ed25519 signing with a key from config; ``public_hex`` identifies the key in manifests."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_hex = raw.hex()

    @classmethod
    def from_pem_file(cls, path: str | Path) -> Signer:
        p = Path(path)
        try:
            key = serialization.load_pem_private_key(p.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as err:
            raise ConfigError([Issue(str(p), 1, 1, f"cannot load Ed25519 signing key: {err}")]) from err
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError([Issue(str(p), 1, 1, "signing key is not an Ed25519 private key")])
        return cls(key)

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()

    def sign_checkpoint(self, seq: int, hash_: str, ts: float) -> Checkpoint:
        return Checkpoint(seq, hash_, ts, self.sign(checkpoint_message(seq, hash_, ts)))


def verify_signature(public_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), message)
    except (ValueError, InvalidSignature):
        return False
    return True


def bad_checkpoint_signatures(checkpoints: Iterable[Checkpoint], public_hex: str) -> list[int]:
    """Seqs of checkpoints whose signature is missing or wrong for ``public_hex``."""
    return [c.seq for c in checkpoints
            if not verify_signature(public_hex, checkpoint_message(c.seq, c.hash, c.ts), c.signature)]
