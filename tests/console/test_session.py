"""Session cookie values and CSRF tokens: signed, expiring, bound to one session."""

from __future__ import annotations

from pathlib import Path

from secops.api.auth import Principal
from secops.clock import FakeClock
from secops.console.session import SessionCodec, load_or_create_key

KEY = b"k" * 32


def codec(clock: FakeClock, key: bytes = KEY) -> SessionCodec:
    return SessionCodec(key, clock=clock, ttl_seconds=3600)


def test_issued_session_verifies_with_name_and_roles() -> None:
    c = codec(FakeClock())
    value, _ = c.issue(Principal("li_si", frozenset({"operator"})))
    session = c.verify(value)
    assert session is not None
    assert (session.name, session.roles) == ("li_si", frozenset({"operator"}))


def test_session_expires() -> None:
    clock = FakeClock()
    c = codec(clock)
    value, _ = c.issue(Principal("li_si", frozenset({"operator"})))
    clock.advance(3601)
    assert c.verify(value) is None


def test_tampered_session_is_refused() -> None:
    c = codec(FakeClock())
    value, _ = c.issue(Principal("li_si", frozenset({"operator"})))
    forged_body = codec(FakeClock(), b"x" * 32).issue(Principal("li_si", frozenset({"admin"})))[0].split(".")[0]
    assert c.verify(forged_body + "." + value.split(".")[1]) is None


def test_session_from_another_key_is_refused() -> None:
    value, _ = codec(FakeClock(), b"x" * 32).issue(Principal("li_si", frozenset({"operator"})))
    assert codec(FakeClock()).verify(value) is None


def test_garbage_cookie_is_refused() -> None:
    assert codec(FakeClock()).verify("not-a-session") is None


def test_csrf_token_is_bound_to_its_session() -> None:
    c = codec(FakeClock())
    _, one = c.issue(Principal("li_si", frozenset({"operator"})))
    _, other = c.issue(Principal("li_si", frozenset({"operator"})))
    assert c.csrf_ok(one, c.csrf_token(one))
    assert not c.csrf_ok(one, c.csrf_token(other))


def test_missing_csrf_token_is_refused() -> None:
    c = codec(FakeClock())
    _, session = c.issue(Principal("li_si", frozenset({"operator"})))
    assert not c.csrf_ok(session, None)


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "console_session.key"
    first = load_or_create_key(path)
    assert (path.stat().st_mode & 0o777, load_or_create_key(path)) == (0o600, first)
