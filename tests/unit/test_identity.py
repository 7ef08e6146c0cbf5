"""Bearer tokens carry role and scope, and only this instance's are accepted."""

from datetime import timedelta

import pytest

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
