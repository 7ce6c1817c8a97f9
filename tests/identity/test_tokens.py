"""Access tokens at the HTTP door: expired, tampered, wrong issuer/audience, `alg: none`, missing
or unknown key id all get a 401 with an UNAUTHENTICATED-family code, never a 500."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

import jwt
import pytest

from config.settings import Settings
from domain.auth import Principal, Role
from domain.errors import InvalidToken
from pagila_graph import security
from pagila_graph.security import JwtCodec, signing_secret
from tests.identity.conftest import ME, AuthApi, unique_email

CUSTOMER_ONE = "{ customer(customerId: 1) { customerId firstName } }"


def codec(settings: Settings, **changes: Any) -> JwtCodec:
    options: dict[str, Any] = {
        "key_id": settings.jwt_key_id,
        "issuer": settings.jwt_issuer,
        "audience": settings.jwt_audience,
        "ttl": dt.timedelta(minutes=5),
    }
    keys = {settings.jwt_key_id: signing_secret(settings)}
    keys.update(changes.pop("keys", {}))
    options.update(changes)
    return JwtCodec(keys, **options)


def customer_token(settings: Settings, **changes: Any) -> str:
    principal = Principal(user_id=1, role=Role.CUSTOMER, customer_id=1, store_id=1)
    return codec(settings, **changes).issue(principal, uuid.uuid4()).token


def segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def refused(auth_api: AuthApi, token: str, message: str) -> None:
    response = await auth_api.raw(CUSTOMER_ONE, token=token)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_TOKEN"
    assert message in error["message"]


async def test_a_valid_token_names_the_caller(auth_api: AuthApi, auth_settings: Settings) -> None:
    body = await auth_api(CUSTOMER_ONE, token=customer_token(auth_settings))
    assert body["data"]["customer"] == {"customerId": 1, "firstName": "MARY"}
    anonymous = await auth_api(CUSTOMER_ONE)
    assert anonymous["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "PERMISSION_DENIED")


async def test_expired_token(auth_api: AuthApi, auth_settings: Settings) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await refused(auth_api, customer_token(auth_settings, now=lambda: long_ago), "expired")


async def test_token_not_yet_valid(auth_api: AuthApi, auth_settings: Settings) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    await refused(auth_api, customer_token(auth_settings, now=lambda: later), "not valid")


async def test_tampered_payload_or_signature(auth_api: AuthApi, auth_settings: Settings) -> None:
    token = customer_token(auth_settings)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    await refused(auth_api, f"{header}.{segment(claims)}.{signature}", "not valid")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    await refused(auth_api, f"{header}.{payload}.{flipped}", "not valid")
    other_key = customer_token(auth_settings, keys={auth_settings.jwt_key_id: b"k" * 32})
    await refused(auth_api, other_key, "not valid")


@pytest.mark.parametrize("change", [{"issuer": "someone-else"}, {"audience": "another-api"}])
async def test_wrong_issuer_or_audience(
    auth_api: AuthApi, auth_settings: Settings, change: dict[str, str]
) -> None:
    await refused(auth_api, customer_token(auth_settings, **change), "not valid")


async def test_alg_none_is_refused(auth_api: AuthApi, auth_settings: Settings) -> None:
    token = customer_token(auth_settings)
    claims = jwt.decode(token, options={"verify_signature": False})
    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT', 'kid': auth_settings.jwt_key_id})}."
    await refused(auth_api, unsigned + segment(claims) + ".", "not valid")


async def test_missing_or_unknown_key_id(auth_api: AuthApi, auth_settings: Settings) -> None:
    secret = signing_secret(auth_settings)
    claims = jwt.decode(customer_token(auth_settings), options={"verify_signature": False})
    no_kid = jwt.encode(claims, secret, algorithm="HS256")
    await refused(auth_api, no_kid, "no key of ours")
    unknown = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "retired"})
    await refused(auth_api, unknown, "no key of ours")


async def test_malformed_header_values(auth_api: AuthApi) -> None:
    await refused(auth_api, "not.a.jwt", "malformed")
    response = await auth_api.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": "Basic dXNlcjpwdw=="}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


async def test_a_token_of_a_removed_account_cannot_read_me(
    auth_api: AuthApi, auth_settings: Settings
) -> None:
    # signed by us but naming no account: `me` says so instead of failing
    principal = Principal(user_id=2_000_000_000, role=Role.CUSTOMER, customer_id=1, store_id=1)
    token = codec(auth_settings).issue(principal, uuid.uuid4()).token
    body = await auth_api(ME, token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_issued_tokens_carry_the_documented_claims(
    auth_api: AuthApi, auth_settings: Settings
) -> None:
    tokens = (await auth_api.register(unique_email()))["tokens"]
    header = jwt.get_unverified_header(tokens["accessToken"])
    assert header == {"alg": "HS256", "typ": "JWT", "kid": auth_settings.jwt_key_id}
    claims = jwt.decode(
        tokens["accessToken"],
        signing_secret(auth_settings),
        algorithms=["HS256"],
        audience=auth_settings.jwt_audience,
        issuer=auth_settings.jwt_issuer,
    )
    assert claims["role"] == "customer" and claims["store_id"] == 1
    assert claims["exp"] - claims["iat"] == auth_settings.access_token_ttl_s
    assert claims["nbf"] == claims["iat"]


@pytest.mark.parametrize("ttl", [dt.timedelta(days=365 * 100), dt.timedelta(hours=1)])
async def test_a_token_living_longer_than_we_issue_is_refused(
    auth_api: AuthApi, auth_settings: Settings, ttl: dt.timedelta
) -> None:
    """Issue 14, item 10: a far-future `exp` (signed with our key) used to be accepted."""
    assert ttl.total_seconds() > auth_settings.access_token_ttl_s
    await refused(auth_api, customer_token(auth_settings, ttl=ttl), "lifetime")


# --- The memo of verified tokens (decision 0159) ------------------------------------------------


def _staff_codec(settings: Settings, **changes: Any) -> tuple[JwtCodec, str]:
    principal = Principal(user_id=7, role=Role.STAFF, staff_id=1, store_id=1)
    made = codec(settings, **changes)
    return made, made.issue(principal, uuid.uuid4()).token


def test_a_token_seen_before_skips_the_signature_not_the_checks(
    auth_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, token = _staff_codec(auth_settings)
    first = made.decode(token)
    calls: list[str] = []
    real = jwt.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("decode")
        return real(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    assert made.decode(token) == first
    assert calls == []
    # any other text is verified, and a tampered copy of a remembered token is refused
    head, payload, signature = token.split(".")
    forged = ".".join([head, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    with pytest.raises(InvalidToken):
        made.decode(forged)
    assert calls == ["decode"]


def test_a_remembered_token_still_expires(
    auth_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, token = _staff_codec(auth_settings, leeway=dt.timedelta(0))
    made.decode(token)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    monkeypatch.setattr(security.time, "time", lambda: exp + 1.0)
    with pytest.raises(InvalidToken, match="expired"):
        made.decode(token)
    assert token not in made._verified  # forgotten: the next use is verified afresh


def test_the_memo_is_bounded(auth_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "MAX_VERIFIED_TOKENS", 3)
    made = codec(auth_settings)
    tokens = [
        made.issue(Principal(user_id=n, role=Role.CUSTOMER, customer_id=n), uuid.uuid4()).token
        for n in range(1, 6)
    ]
    principals = [made.decode(token) for token in tokens]
    assert [p.user_id for p in principals] == [1, 2, 3, 4, 5]
    assert len(made._verified) == 3
    assert list(made._verified) == tokens[2:]  # the oldest went first
