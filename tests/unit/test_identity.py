"""Bearer tokens carry role and scope, and only this instance's are accepted."""

from datetime import timedelta

import pytest

from services.gateway import identity
from services.gateway.identity import Principal, mint_token, verify_token
from shared.errors import Unauthenticated

SECRET = "s" * 48
WANGFANG = Principal("acc-1", "王芳", "grid_worker", "150105001001-G01")


def test_a_minted_token_verifies_to_the_same_principal():
    assert verify_token(SECRET, f"Bearer {mint_token(SECRET, WANGFANG)}") == WANGFANG


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "missing-token"),
        ("Basic abc", "malformed-authorization"),
        ("Bearer not.a.jwt", "invalid-token"),
        (
            f"Bearer {mint_token('another-instance-secret-xxxxxxxxxxxxxxxxxxx', WANGFANG)}",
            "invalid-token",
        ),
        (f"Bearer {mint_token(SECRET, WANGFANG, lifetime=timedelta(seconds=-1))}", "token-expired"),
    ],
)
def test_a_bad_token_is_refused_with_a_reason(header, code):
    with pytest.raises(Unauthenticated) as refused:
        verify_token(SECRET, header)
    assert refused.value.code == code


def test_a_verified_token_is_remembered_only_until_it_expires(monkeypatch):
    decoded = []
    real_decode = identity.jwt.decode
    monkeypatch.setattr(
        identity.jwt, "decode", lambda *a, **k: decoded.append(1) or real_decode(*a, **k)
    )
    token = mint_token(SECRET, WANGFANG, lifetime=timedelta(seconds=30))
    assert verify_token(SECRET, f"Bearer {token}") == WANGFANG
    assert verify_token(SECRET, f"Bearer {token}") == WANGFANG
    assert len(decoded) == 1  # the second time it was remembered
    # another instance's secret does not find it
    with pytest.raises(Unauthenticated):
        verify_token("another-instance-secret-xxxxxxxxxxxxxxxxxxx", f"Bearer {token}")
    # past its expiry the token is checked again (and found expired)
    later = identity.time.time() + 31
    monkeypatch.setattr(identity.time, "time", lambda: later)
    monkeypatch.setattr(identity.jwt, "decode", lambda *a, **k: decoded.append(1) or expired())
    with pytest.raises(Unauthenticated) as refused:
        verify_token(SECRET, f"Bearer {token}")
    assert refused.value.code == "token-expired"
    assert len(decoded) == 3


def expired():
    raise identity.jwt.ExpiredSignatureError("expired")
