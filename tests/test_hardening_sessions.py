"""Issue 13, item 8 (follow-up): the list of revoked sessions stays bounded under many logins and logouts."""

from __future__ import annotations

import pytest

from scenarist.web.security import Session, SessionSigner, _Revocations

SECRET = b"k" * 32


def _cookie(signer: SessionSigner, issued: int, n: int) -> str:
    return signer.dumps(Session(f"sid-{n}", True, issued))


def test_expired_revocations_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr("scenarist.web.security.time.time", lambda: clock[0])
    revoked = _Revocations(max_entries=1_000)
    for n in range(500):
        revoked.add(SECRET, f"sid-{n}", int(clock[0]), clock[0] + 60)
    assert len(revoked) == 500
    clock[0] += 61
    revoked.add(SECRET, "late", int(clock[0]), clock[0] + 60)
    assert len(revoked) == 1
    assert revoked.contains(SECRET, "late", int(clock[0]))
    assert not revoked.contains(SECRET, "sid-3", int(clock[0]) - 61)


def test_many_logouts_keep_the_list_capped_and_never_bring_a_session_back(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [2_000_000.0]
    monkeypatch.setattr("scenarist.web.security.time.time", lambda: clock[0])
    revoked = _Revocations(max_entries=100)
    monkeypatch.setattr("scenarist.web.security._REVOKED", revoked)
    signer = SessionSigner(SECRET, max_age=3600)
    cookies = []
    for n in range(1_000):  # 1,000 logins and logouts within one session lifetime
        clock[0] += 1
        cookie = _cookie(signer, int(clock[0]), n)
        assert signer.loads(cookie) is not None
        signer.revoke(cookie)
        cookies.append(cookie)
        assert len(revoked) <= 100
    assert len(revoked) == 100
    assert all(signer.loads(c) is None for c in cookies), "a revoked session came back after its entry was dropped"
    clock[0] += 1
    fresh = _cookie(signer, int(clock[0]), 10_000)
    assert signer.loads(fresh) is not None, "a session issued after the dropped entries must still work"


def test_another_key_is_not_affected_by_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [3_000_000.0]
    monkeypatch.setattr("scenarist.web.security.time.time", lambda: clock[0])
    revoked = _Revocations(max_entries=10)
    for n in range(20):
        revoked.add(SECRET, f"a-{n}", int(clock[0]) + n, clock[0] + n + 60)
    assert revoked.contains(SECRET, "anything", int(clock[0]) + 5)
    assert not revoked.contains(b"other-key", "anything", int(clock[0]) + 5)
