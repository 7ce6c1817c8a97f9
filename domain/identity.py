"""Accounts and sessions: register, login, refresh, logout, change password, me (decision 0070).

* An account (`app_user`) is one Pagila person: a customer (role `customer`) or a staff member
  (`staff`, `manager`, `admin`). Registering creates a customer and its account together.
* A login starts a *session*: a short-lived signed access token and an opaque refresh token.
  Only the refresh token's SHA-256 is stored. Each refresh rotates it: the presented token is
  marked used and a new one of the same *family* is issued. Presenting a used token again means
  it was copied, so the whole family is revoked (decision 0072).
* Hashing and signing are ports (`PasswordHasher`, `AccessTokenIssuer`) implemented in
  `pagila_graph/security.py`; this module decides, it does not do cryptography.
* Wrong password, unknown e-mail and disabled account are one refusal (`InvalidCredentials`),
  and an unknown e-mail still pays for one hash verification, so neither the answer nor its
  timing tells which e-mails have accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from domain.auth import Principal, Role, require_authenticated
from domain.customers.admin import AddressDraft, CustomerWrites, check_address, store_address
from domain.errors import (
    EmailTaken,
    InputField,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    TokenReused,
    Unauthenticated,
)
from domain.passwords import PasswordPolicy
from domain.transaction import Transaction
from domain.validation import LIMITS, Checks


@dataclass(frozen=True, slots=True)
class Account:
    user_id: int
    email: str
    role: Role
    customer_id: int | None
    staff_id: int | None
    store_id: int | None
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None = None

    @property
    def principal(self) -> Principal:
        return Principal(
            user_id=self.user_id,
            role=self.role,
            customer_id=self.customer_id,
            staff_id=self.staff_id,
            store_id=self.store_id,
        )


@dataclass(frozen=True, slots=True)
class StoredAccount:
    account: Account
    password_hash: str


@dataclass(frozen=True, slots=True)
class StoredRefreshToken:
    token_id: int
    user_id: int
    family_id: uuid.UUID
    expires_at: dt.datetime
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Session:
    """What a client keeps after login: both tokens (the refresh token is shown only now)."""

    account: Account
    access_token: str
    access_token_expires_at: dt.datetime
    refresh_token: str
    refresh_token_expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Registration:
    email: str
    password: str
    first_name: str
    last_name: str
    store_id: int
    address: AddressDraft


@dataclass(frozen=True, slots=True)
class StaffMember:
    staff_id: int
    store_id: int
    email: str
    manages_store: bool


def seeded_staff_roles(
    staff: list[StaffMember], *, admin_exists: bool
) -> list[tuple[StaffMember, Role]]:
    """Development accounts: a store's manager gets `manager`, the others `staff`, and, unless
    there is one, the first non-manager becomes the one `admin` (Pagila has no such person)."""
    roles: list[tuple[StaffMember, Role]] = []
    admin_given = admin_exists
    for member in staff:
        if member.manages_store:
            roles.append((member, Role.MANAGER))
        elif not admin_given:
            roles.append((member, Role.ADMIN))
            admin_given = True
        else:
            roles.append((member, Role.STAFF))
    return roles


# --- ports ------------------------------------------------------------------------------------


class PasswordHasher(Protocol):
    """Slow, salted hashing; async because it must not block the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than today's."""
        ...

    async def verify_dummy(self, password: str) -> None:
        """Spend what `verify` spends, for an e-mail without an account."""
        ...


class AccessTokenIssuer(Protocol):
    def issue(self, principal: Principal, session_id: uuid.UUID) -> IssuedAccessToken: ...


class IdentityLookup(Protocol):
    """What reading an account needs (`me`): a read-only unit offers this much."""

    async def by_id(self, user_id: int, *, lock: bool = False) -> StoredAccount | None: ...


class IdentityStore(IdentityLookup, Protocol):
    async def by_email(self, email: str) -> StoredAccount | None:
        """Ignoring case."""
        ...

    async def email_taken(self, email: str) -> bool: ...

    async def insert(
        self,
        *,
        email: str,
        password_hash: str,
        role: Role,
        customer_id: int | None = None,
        staff_id: int | None = None,
    ) -> Account: ...

    async def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    async def record_login(self, user_id: int, at: dt.datetime) -> None: ...

    async def insert_refresh_token(
        self, user_id: int, token_hash: bytes, family_id: uuid.UUID, expires_at: dt.datetime
    ) -> None: ...

    async def refresh_token(self, token_hash: bytes) -> StoredRefreshToken | None:
        """The token, locked for the rest of the transaction."""
        ...

    async def mark_used(self, token_id: int, at: dt.datetime) -> None: ...

    async def revoke_family(self, family_id: uuid.UUID, at: dt.datetime) -> None: ...

    async def revoke_all(self, user_id: int, at: dt.datetime) -> None: ...

    async def purge_expired(self, user_id: int, now: dt.datetime) -> None:
        """Forget the account's refresh tokens that expired before `now`."""
        ...


class IdentityUnitOfWork(Transaction, Protocol):
    @property
    def identities(self) -> IdentityStore: ...

    @property
    def customer_writes(self) -> CustomerWrites: ...


# --- rules ------------------------------------------------------------------------------------


async def account_of(accounts: IdentityLookup, principal: Principal) -> Account:
    """The caller's own account (`me`); a deleted or disabled one is refused."""
    require_authenticated(principal)
    if principal.user_id is None:
        raise Unauthenticated()
    stored = await accounts.by_id(principal.user_id)
    if stored is None or not stored.account.active:
        raise Unauthenticated("This account no longer exists or is disabled.")
    return stored.account


def hash_refresh_token(token: str) -> bytes:
    """Refresh tokens are 256 random bits, so a fast hash is enough (no dictionary to try)."""
    return hashlib.sha256(token.encode()).digest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return email.strip()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    refresh_token_ttl: dt.timedelta = dt.timedelta(days=14)


class IdentityService:
    def __init__(
        self,
        uow: IdentityUnitOfWork,
        hasher: PasswordHasher,
        tokens: AccessTokenIssuer,
        *,
        passwords: PasswordPolicy | None = None,
        sessions: SessionPolicy | None = None,
        now: Callable[[], dt.datetime] = utc_now,
        new_token: Callable[[], str] = new_refresh_token,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._passwords = passwords or PasswordPolicy()
        self._sessions = sessions or SessionPolicy()
        self._now = now
        self._new_token = new_token

    async def register(self, registration: Registration) -> Session:
        """A new customer at a store, with its account, signed in."""
        checks = Checks()
        email = checks.email("email", normalise_email(registration.email))
        if email is None:
            checks.fail("email", "`email` must not be empty.")
        self._passwords.check(checks, "password", registration.password, email=email)
        checks.positive_id("store_id", registration.store_id)
        first = checks.text("first_name", registration.first_name, LIMITS.name)
        last = checks.text("last_name", registration.last_name, LIMITS.name)
        address = check_address(checks, registration.address, "address")
        checks.done()
        assert email is not None
        password_hash = await self._hasher.hash(registration.password)
        async with self._uow as uow:
            if await uow.identities.email_taken(email):
                raise EmailTaken("An account with this e-mail exists.", field=InputField("email"))
            writes = uow.customer_writes
            if not await writes.store_exists(registration.store_id):
                raise NotFound("Store", registration.store_id, field=InputField("store_id"))
            address_id = await store_address(writes, address, "address")
            customer = await writes.insert_customer(
                {
                    "store_id": registration.store_id,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "address_id": address_id,
                    "activebool": True,
                    "active": 1,
                }
            )
            account = await uow.identities.insert(
                email=email,
                password_hash=password_hash,
                role=Role.CUSTOMER,
                customer_id=customer.customer_id,
            )
            session = await self._start_session(uow.identities, account)
            await uow.commit()
        return session

    async def login(self, email: str, password: str) -> Session:
        """The password is checked with no transaction open: argon2 takes ~100 ms of a thread,
        and a connection held meanwhile let 60 wrong passwords take the whole pool (issue 14).
        The write transaction then re-reads the account, locked, and refuses if it changed."""
        async with self._uow as uow:
            stored = await uow.identities.by_email(normalise_email(email))
        if stored is None:
            await self._hasher.verify_dummy(password)
            raise InvalidCredentials()
        if not await self._hasher.verify(stored.password_hash, password):
            raise InvalidCredentials()
        if not stored.account.active:
            raise InvalidCredentials()
        user_id = stored.account.user_id
        rehashed = (
            await self._hasher.hash(password)
            if self._hasher.needs_rehash(stored.password_hash)
            else None
        )
        async with self._uow as uow:
            current = await uow.identities.by_id(user_id, lock=True)
            if (
                current is None
                or not current.account.active
                or current.password_hash != stored.password_hash
            ):
                raise InvalidCredentials()  # changed while we checked: sign in again
            if rehashed is not None:
                await uow.identities.set_password_hash(user_id, rehashed)
            now = self._now()
            await uow.identities.record_login(user_id, now)
            session = await self._start_session(
                uow.identities, replace(stored.account, last_login_at=now)
            )
            await uow.commit()
        return session

    async def refresh(self, refresh_token: str) -> Session:
        """Rotate: the presented token is used up and a new one of its family returned."""
        async with self._uow as uow:
            store = uow.identities
            found = await store.refresh_token(hash_refresh_token(refresh_token))
            now = self._now()
            if found is None or found.revoked_at is not None:
                raise InvalidToken("This refresh token is not valid; sign in again.")
            if found.used_at is not None:
                await store.revoke_family(found.family_id, now)
                await uow.commit()  # the revocation must stick although we refuse
                raise TokenReused(
                    "This refresh token was already used; every session started from the same "
                    "sign-in is now revoked. Sign in again."
                )
            if found.expires_at <= now:
                raise InvalidToken("This refresh token has expired; sign in again.")
            stored = await store.by_id(found.user_id)
            if stored is None or not stored.account.active:
                await store.revoke_family(found.family_id, now)
                await uow.commit()
                raise InvalidToken("This account is disabled.")
            await store.mark_used(found.token_id, now)
            session = await self._start_session(store, stored.account, found.family_id)
            await uow.commit()
        return session

    async def logout(self, refresh_token: str) -> None:
        """End the session the refresh token belongs to (its whole family)."""
        async with self._uow as uow:
            found = await uow.identities.refresh_token(hash_refresh_token(refresh_token))
            if found is None or found.revoked_at is not None:
                raise InvalidToken("This refresh token is not valid.")
            await uow.identities.revoke_family(found.family_id, self._now())
            await uow.commit()

    async def change_password(
        self, principal: Principal, current_password: str, new_password: str
    ) -> Session:
        """Every refresh token of the account is revoked; the caller gets a fresh session."""
        require_authenticated(principal)
        if principal.user_id is None:
            raise Unauthenticated()
        async with self._uow as uow:
            store = uow.identities
            stored = await store.by_id(principal.user_id, lock=True)
            if stored is None or not stored.account.active:
                raise Unauthenticated("This account no longer exists or is disabled.")
            if not await self._hasher.verify(stored.password_hash, current_password):
                raise InvalidCredentials(
                    "The current password is wrong.", field=InputField("current_password")
                )
            checks = Checks()
            self._passwords.check(checks, "new_password", new_password, email=stored.account.email)
            if new_password == current_password:
                checks.fail("new_password", "`new_password` must differ from the current one.")
            checks.done()
            await store.set_password_hash(principal.user_id, await self._hasher.hash(new_password))
            await store.revoke_all(principal.user_id, self._now())
            session = await self._start_session(store, stored.account)
            await uow.commit()
        return session

    async def me(self, principal: Principal) -> Account:
        async with self._uow as uow:
            return await account_of(uow.identities, principal)

    async def _start_session(
        self, store: IdentityStore, account: Account, family_id: uuid.UUID | None = None
    ) -> Session:
        family = family_id or uuid.uuid4()
        refresh = self._new_token()
        now = self._now()
        # expired tokens can only be refused, so each new session sweeps its account's away
        await store.purge_expired(account.user_id, now)
        refresh_expires = now + self._sessions.refresh_token_ttl
        await store.insert_refresh_token(
            account.user_id, hash_refresh_token(refresh), family, refresh_expires
        )
        access = self._tokens.issue(account.principal, family)
        return Session(
            account=account,
            access_token=access.token,
            access_token_expires_at=access.expires_at,
            refresh_token=refresh,
            refresh_token_expires_at=refresh_expires,
        )


@dataclass(frozen=True, slots=True)
class IdentityKit:
    """The identity ports and policies the composition root builds once per process."""

    hasher: PasswordHasher
    tokens: AccessTokenIssuer
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)
    sessions: SessionPolicy = field(default_factory=SessionPolicy)

    def service(self, uow: IdentityUnitOfWork) -> IdentityService:
        return IdentityService(
            uow, self.hasher, self.tokens, passwords=self.passwords, sessions=self.sessions
        )
