"""Principals and their bearer tokens (JWT, HS256, signed with the instance's secret)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from shared.errors import Unauthenticated

# community staff: grid workers, social workers, the party secretary (党组织书记) and the
# members of the two committees (两委委员); admins above them
STAFF_ROLES = frozenset(
    {"grid_worker", "social_worker", "party_secretary", "committee_member", "admin"}
)
# residents' representatives (居民代表) and partner organisations (共建单位) take part in the
# council; ops run the platform
ROLES = STAFF_ROLES | {"resident", "resident_representative", "volunteer", "partner", "ops"}
# the longest name of a person (`Account.name`; also a partner's name on its referrals)
NAME_MAX = 120
ISSUER = "pavilion"
TOKEN_LIFETIME = timedelta(days=90)


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    role: str
    scope: str

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def mint_token(secret: str, principal: Principal, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": principal.id,
        "name": principal.name,
        "role": principal.role,
        "scope": principal.scope,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


# tokens already verified, by (secret, token): checking an HS256 signature and the claims
# costs more than the rest of a small request's authentication. An entry is used only until
# the token's own expiry; the oldest entries go first when the cache is full.
_VERIFIED: dict[tuple[str, str], tuple[Principal, float]] = {}
_VERIFIED_LIMIT = 10_000


def verify_token(secret: str, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthenticated("missing-token", "Send 'Authorization: Bearer <token>'.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("malformed-authorization", "Use the Bearer scheme.")
    known = _VERIFIED.get((secret, token))
    if known is not None and known[1] > time.time():
        return known[0]
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["sub", "role", "scope", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        _VERIFIED.pop((secret, token), None)
        raise Unauthenticated("token-expired", "The token has expired.") from None
    except jwt.PyJWTError:
        raise Unauthenticated(
            "invalid-token", "The token is not valid for this instance."
        ) from None
    if claims["role"] not in ROLES:
        raise Unauthenticated("invalid-token", "The token carries an unknown role.")
    principal = Principal(claims["sub"], claims.get("name", ""), claims["role"], claims["scope"])
    if len(_VERIFIED) >= _VERIFIED_LIMIT:
        del _VERIFIED[next(iter(_VERIFIED))]
    _VERIFIED[(secret, token)] = (principal, float(claims["exp"]))
    return principal
