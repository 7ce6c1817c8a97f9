"""Password hashing (argon2id) and access tokens (JWT): the domain's identity ports.

Decisions 0071 (passwords) and 0072 (tokens). The domain decides who may sign in and when a
session ends; this module only hashes, signs and verifies.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from config.logging import get_logger
from config.settings import Environment, Settings
from domain.auth import Principal, Role
from domain.errors import InvalidToken
from domain.identity import IdentityKit, IssuedAccessToken, SessionPolicy, utc_now
from domain.passwords import PasswordPolicy

log = get_logger(__name__)

#: Shortest HMAC secret accepted (RFC 7518 §3.2: at least the hash's size).
MIN_SECRET_BYTES = 32
KEY_FILE_NAME = "jwt.key"
#: verified access tokens remembered per codec (a token is ~300 bytes: ~1.5 MB at most)
MAX_VERIFIED_TOKENS = 4096


class Argon2PasswordHasher:
    """argon2id with the settings' cost; hashing runs in a worker thread."""

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = _Argon2(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._dummy_hash: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Argon2PasswordHasher:
        return cls(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    async def verify_dummy(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class JwtCodec:
    """Signs and checks access tokens: `exp`, `iat`, `nbf`, `iss`, `aud` and a `kid` header.

    `keys` maps key ids to secrets; tokens are signed with `key_id` and accepted with any key of
    the map, so a new key can be rolled in while tokens signed with the old one expire.
    """

    def __init__(
        self,
        keys: Mapping[str, bytes],
        *,
        key_id: str,
        algorithm: str = "HS256",
        issuer: str,
        audience: str,
        ttl: dt.timedelta,
        now: Callable[[], dt.datetime] = utc_now,
        leeway: dt.timedelta = dt.timedelta(seconds=10),
    ) -> None:
        if key_id not in keys:
            raise ValueError(f"No key with id {key_id!r}.")
        self._keys = dict(keys)
        self._key_id = key_id
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl
        self._now = now
        self._leeway = leeway
        #: tokens already verified, with their claims (decision 0159): the same bytes again
        #: skip the signature and claim parsing, never the expiry and lifetime checks
        self._verified: dict[str, tuple[Mapping[str, Any], Principal]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> JwtCodec:
        return cls(
            {settings.jwt_key_id: signing_secret(settings)},
            key_id=settings.jwt_key_id,
            algorithm=settings.jwt_algorithm,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=dt.timedelta(seconds=settings.access_token_ttl_s),
        )

    def issue(self, principal: Principal, session_id: uuid.UUID) -> IssuedAccessToken:
        if principal.user_id is None or principal.role is None:
            raise ValueError("Only an account's principal gets a token.")
        now = self._now()
        expires = now + self._ttl
        claims: dict[str, Any] = {
            "sub": str(principal.user_id),
            "role": principal.role.value,
            "customer_id": principal.customer_id,
            "staff_id": principal.staff_id,
            "store_id": principal.store_id,
            "sid": str(session_id),
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(
            claims,
            self._keys[self._key_id],
            algorithm=self._algorithm,
            headers={"kid": self._key_id},
        )
        return IssuedAccessToken(token, dt.datetime.fromtimestamp(claims["exp"], dt.UTC))

    def decode(self, token: str) -> Principal:
        """The token's principal; `InvalidToken` for anything not signed by us and current.

        A token verified before is recognised by its exact text (bounded memo, oldest out
        first): its signature and claims were checked then and cannot have changed; its `exp`
        (as PyJWT checks it, with the leeway) and its lifetime are checked again every time."""
        known = self._verified.get(token)
        if known is not None:
            claims, principal = known
            if claims["exp"] <= time.time() - self._leeway.total_seconds():
                del self._verified[token]
                raise InvalidToken("The access token has expired; refresh it.")
            self._check_lifetime(claims)
            return principal
        principal, claims = self._verify(token)
        if len(self._verified) >= MAX_VERIFIED_TOKENS:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (claims, principal)
        return principal

    def _verify(self, token: str) -> tuple[Principal, Mapping[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("The access token is malformed.") from exc
        key_id = header.get("kid")
        if not isinstance(key_id, str) or key_id not in self._keys:
            raise InvalidToken("The access token names no key of ours.")
        try:
            claims = jwt.decode(
                token,
                self._keys[key_id],
                algorithms=[self._algorithm],  # never "none", never another family
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("The access token has expired; refresh it.") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("The access token is not valid.") from exc
        self._check_lifetime(claims)
        return _principal(claims), claims

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        """We never issue a token living longer than the TTL, nor one from the future: a token
        that does (a far-future `exp`, signed with a leaked or test key) is refused."""
        now = self._now().timestamp()
        slack = self._leeway.total_seconds()
        exp, iat = claims["exp"], claims["iat"]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (exp, iat)):
            raise InvalidToken("The access token is not valid.")
        ttl = self._ttl.total_seconds()
        if iat > now + slack or exp - iat > ttl + slack or exp > now + ttl + slack:
            raise InvalidToken("The access token's lifetime is longer than this server issues.")


def _principal(claims: Mapping[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
        user_id = int(claims["sub"])
        ids = {name: claims.get(name) for name in ("customer_id", "staff_id", "store_id")}
        if not all(value is None or type(value) is int for value in ids.values()):
            raise ValueError("ids must be integers")
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidToken("The access token is not valid.") from exc
    return Principal(
        user_id=user_id,
        role=role,
        customer_id=ids["customer_id"],
        staff_id=ids["staff_id"],
        store_id=ids["store_id"],
    )


#: the TEST environment's key: one per process, so every app of a test run shares it
_PROCESS_SECRET = secrets.token_bytes(MIN_SECRET_BYTES)


def signing_secret(settings: Settings) -> bytes:
    """`JWT_SECRET`; without it, a key of the data directory (development), one made for this
    process (tests), or a refusal (production)."""
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value().encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise RuntimeError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long.")
        return secret
    if settings.environment == Environment.PRODUCTION:
        raise RuntimeError(
            "JWT_SECRET is not set: production refuses to sign tokens with a made-up key "
            "(e.g. JWT_SECRET=$(openssl rand -base64 48))."
        )
    if settings.environment == Environment.TEST:
        return _PROCESS_SECRET
    return development_key(settings.data_dir / KEY_FILE_NAME)


def development_key(path: Path) -> bytes:
    """The key in `path`, created (mode 0600) by whichever process gets there first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # atomic: a concurrent worker's key wins, never half a file
            log.info("jwt.development_key_created", path=str(path))
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    secret = path.read_text().strip().encode()
    if len(secret) < MIN_SECRET_BYTES:
        raise RuntimeError(f"{path} holds no usable key; delete it to get a new one.")
    return secret


def identity_kit(settings: Settings, codec: JwtCodec | None = None) -> IdentityKit:
    """The identity ports as the settings configure them."""
    return IdentityKit(
        hasher=Argon2PasswordHasher.from_settings(settings),
        tokens=codec or JwtCodec.from_settings(settings),
        passwords=PasswordPolicy(min_length=settings.password_min_length),
        sessions=SessionPolicy(
            refresh_token_ttl=dt.timedelta(seconds=settings.refresh_token_ttl_s)
        ),
    )
