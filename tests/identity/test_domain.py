"""The identity rules with in-memory fakes of the ports (no database, no cryptography)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Self

import pytest

from domain.auth import ANONYMOUS, Principal, Role
from domain.customers.admin import AddressDraft
from domain.errors import (
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    TokenReused,
    Unauthenticated,
    ValidationFailed,
)
from domain.identity import (
    Account,
    IdentityService,
    IssuedAccessToken,
    Registration,
    SessionPolicy,
    StoredAccount,
    StoredRefreshToken,
)
from domain.passwords import PasswordPolicy
from domain.validation import Checks

START = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
GOOD = "a long enough passphrase"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class FakeHasher:
    version: int = 1
    dummy_checks: int = 0

    async def hash(self, password: str) -> str:
        return f"v{self.version}:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash.partition(":")[2] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"v{self.version}:")

    async def verify_dummy(self, password: str) -> None:
        self.dummy_checks += 1


class FakeTokens:
    def issue(self, principal: Principal, session_id: uuid.UUID) -> IssuedAccessToken:
        return IssuedAccessToken(f"access:{principal.user_id}:{session_id}", START)


@dataclass
class FakeStore:
    accounts: dict[int, StoredAccount] = field(default_factory=dict)
    tokens: dict[bytes, StoredRefreshToken] = field(default_factory=dict)

    def add(self, email: str, password_hash: str, *, active: bool = True) -> Account:
        user_id = len(self.accounts) + 1
        account = Account(user_id, email, Role.CUSTOMER, user_id, None, 1, active, START)
        self.accounts[user_id] = StoredAccount(account, password_hash)
        return account

    async def by_email(self, email: str) -> StoredAccount | None:
        return next(
            (s for s in self.accounts.values() if s.account.email.lower() == email.lower()), None
        )

    async def by_id(self, user_id: int, *, lock: bool = False) -> StoredAccount | None:
        return self.accounts.get(user_id)

    async def email_taken(self, email: str) -> bool:
        return await self.by_email(email) is not None

    async def insert(self, **_: Any) -> Account:
        raise NotImplementedError

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.accounts[user_id] = replace(self.accounts[user_id], password_hash=password_hash)

    async def record_login(self, user_id: int, at: dt.datetime) -> None:
        stored = self.accounts[user_id]
        self.accounts[user_id] = replace(stored, account=replace(stored.account, last_login_at=at))

    async def insert_refresh_token(
        self, user_id: int, token_hash: bytes, family_id: uuid.UUID, expires_at: dt.datetime
    ) -> None:
        token_id = len(self.tokens) + 1
        self.tokens[token_hash] = StoredRefreshToken(
            token_id, user_id, family_id, expires_at, None, None
        )

    async def refresh_token(self, token_hash: bytes) -> StoredRefreshToken | None:
        return self.tokens.get(token_hash)

    def _update(self, match: Any, **changes: Any) -> None:
        for key, token in self.tokens.items():
            if match(token):
                self.tokens[key] = replace(token, **changes)

    async def mark_used(self, token_id: int, at: dt.datetime) -> None:
        self._update(lambda t: t.token_id == token_id, used_at=at)

    async def revoke_family(self, family_id: uuid.UUID, at: dt.datetime) -> None:
        self._update(lambda t: t.family_id == family_id and t.revoked_at is None, revoked_at=at)

    async def revoke_all(self, user_id: int, at: dt.datetime) -> None:
        self._update(lambda t: t.user_id == user_id and t.revoked_at is None, revoked_at=at)

    async def purge_expired(self, user_id: int, now: dt.datetime) -> None:
        self.tokens = {
            key: t
            for key, t in self.tokens.items()
            if not (t.user_id == user_id and t.expires_at < now)
        }


class FakeUnitOfWork:
    """Commits are snapshots: leaving without commit restores the store as it was."""

    def __init__(self, store: FakeStore) -> None:
        self.identities = store
        self.customer_writes: Any = None
        self.commits = 0
        self.open = False

    async def __aenter__(self) -> Self:
        self._saved = (dict(self.identities.accounts), dict(self.identities.tokens))
        self.open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.identities.accounts, self.identities.tokens = self._saved
        self.open = False

    async def commit(self) -> None:
        self.commits += 1
        self._saved = (dict(self.identities.accounts), dict(self.identities.tokens))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def service(store: FakeStore, hasher: FakeHasher, clock: Clock) -> IdentityService:
    counter = iter(range(1, 1000))
    return IdentityService(
        FakeUnitOfWork(store),
        hasher,
        FakeTokens(),
        sessions=SessionPolicy(refresh_token_ttl=dt.timedelta(days=1)),
        now=clock,
        new_token=lambda: f"refresh-{next(counter)}",
    )


def problems(error: InvalidInput | ValidationFailed) -> set[str | None]:
    if isinstance(error, ValidationFailed):
        return {p.field for p in error.problems}
    return {error.field}


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least 12"),
        ("x" * 300, "at most 256"),
        ("Password1234", "too easy"),
        ("abababababababab", "too easy"),
        ("ada.lovelace-rocks", "e-mail"),
    ],
)
def test_password_policy(password: str, why: str) -> None:
    checks = Checks()
    PasswordPolicy().check(checks, "password", password, email="ada.lovelace@example.org")
    (problem,) = checks.problems
    assert problem.field == "password" and why in problem.message


def test_a_long_phrase_passes() -> None:
    checks = Checks()
    PasswordPolicy().check(checks, "password", GOOD, email="ada@example.org")
    assert checks.problems == []


async def test_register_validates_before_touching_storage(service: IdentityService) -> None:
    address = AddressDraft("", "d", "c", "Canada", "1")
    bad = Registration("nope", "short", "", "Last", 0, address)
    with pytest.raises(ValidationFailed) as refused:
        await service.register(bad)
    assert problems(refused.value) == {
        "email",
        "password",
        "first_name",
        "store_id",
        "address.address",
    }


async def test_login_of_unknown_email_spends_a_dummy_verification(
    service: IdentityService, hasher: FakeHasher
) -> None:
    with pytest.raises(InvalidCredentials):
        await service.login("nobody@example.org", GOOD)
    assert hasher.dummy_checks == 1


async def test_disabled_account_is_refused_like_a_wrong_password(
    service: IdentityService, store: FakeStore
) -> None:
    store.add("off@example.org", f"v1:{GOOD}", active=False)
    with pytest.raises(InvalidCredentials) as disabled:
        await service.login("off@example.org", GOOD)
    with pytest.raises(InvalidCredentials) as wrong:
        await service.login("off@example.org", GOOD + "?")
    assert disabled.value.message == wrong.value.message


async def test_login_rehashes_an_outdated_hash(
    service: IdentityService, store: FakeStore, hasher: FakeHasher, clock: Clock
) -> None:
    account = store.add("ada@example.org", f"v1:{GOOD}")
    hasher.version = 2
    session = await service.login("ADA@example.org", GOOD)
    assert store.accounts[account.user_id].password_hash == f"v2:{GOOD}"
    assert session.account.last_login_at == clock.now


async def test_refresh_rotation_reuse_and_expiry(
    service: IdentityService, store: FakeStore, clock: Clock
) -> None:
    store.add("ada@example.org", f"v1:{GOOD}")
    first = await service.login("ada@example.org", GOOD)
    second = await service.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await service.refresh(second.refresh_token)

    with pytest.raises(TokenReused):
        await service.refresh(first.refresh_token)
    # the revocation was committed although the call was refused
    assert all(t.revoked_at is not None for t in store.tokens.values())
    with pytest.raises(InvalidToken):
        await service.refresh(third.refresh_token)

    late = await service.login("ada@example.org", GOOD)
    clock.now += dt.timedelta(days=2)
    with pytest.raises(InvalidToken, match="expired"):
        await service.refresh(late.refresh_token)
    # the next session of the account sweeps the expired tokens away
    await service.login("ada@example.org", GOOD)
    assert len(store.tokens) == 1


async def test_logout_then_refresh_is_refused(service: IdentityService, store: FakeStore) -> None:
    store.add("ada@example.org", f"v1:{GOOD}")
    session = await service.login("ada@example.org", GOOD)
    await service.logout(session.refresh_token)
    with pytest.raises(InvalidToken):
        await service.refresh(session.refresh_token)
    with pytest.raises(InvalidToken):
        await service.logout(session.refresh_token)


async def test_change_password_revokes_every_session(
    service: IdentityService, store: FakeStore
) -> None:
    account = store.add("ada@example.org", f"v1:{GOOD}")
    one = await service.login("ada@example.org", GOOD)
    two = await service.login("ada@example.org", GOOD)
    with pytest.raises(InvalidInput, match="differ"):
        await service.change_password(account.principal, GOOD, GOOD)
    with pytest.raises(InvalidCredentials):
        await service.change_password(account.principal, "wrong", "another long phrase")
    fresh = await service.change_password(account.principal, GOOD, "another long phrase")
    for old in (one, two):
        with pytest.raises(InvalidToken):
            await service.refresh(old.refresh_token)
    assert (await service.refresh(fresh.refresh_token)).account.user_id == account.user_id


async def test_me_and_change_password_need_a_caller(service: IdentityService) -> None:
    with pytest.raises(Unauthenticated):
        await service.me(ANONYMOUS)
    with pytest.raises(Unauthenticated):
        await service.change_password(ANONYMOUS, GOOD, "another long phrase")


async def test_passwords_are_hashed_and_checked_with_no_transaction_open(
    store: FakeStore, clock: Clock
) -> None:
    """Issue 14, item 4: argon2 inside the login transaction held a pooled connection for its
    ~100 ms; 60 wrong passwords took the whole pool. Every hasher call must find none open."""
    uow = FakeUnitOfWork(store)
    calls: list[bool] = []

    class Watching(FakeHasher):
        async def hash(self, password: str) -> str:
            calls.append(uow.open)
            return await super().hash(password)

        async def verify(self, password_hash: str, password: str) -> bool:
            calls.append(uow.open)
            return await super().verify(password_hash, password)

        async def verify_dummy(self, password: str) -> None:
            calls.append(uow.open)
            await super().verify_dummy(password)

    hasher = Watching(version=2)
    service = IdentityService(uow, hasher, FakeTokens(), now=clock)
    account = store.add("ada@example.org", f"v1:{GOOD}")
    await service.login("ada@example.org", GOOD)  # verifies, then rehashes to v2
    with pytest.raises(InvalidCredentials):
        await service.login("ada@example.org", "wrong " + GOOD)
    with pytest.raises(InvalidCredentials):
        await service.login("nobody@example.org", GOOD)
    assert store.accounts[account.user_id].password_hash == f"v2:{GOOD}"
    assert len(calls) == 4 and not any(calls)


async def test_a_password_changed_during_the_check_refuses_the_login(
    store: FakeStore, clock: Clock
) -> None:
    account = store.add("ada@example.org", f"v1:{GOOD}")

    class Racing(FakeHasher):
        async def verify(self, password_hash: str, password: str) -> bool:
            ok = await super().verify(password_hash, password)
            store.accounts[account.user_id] = replace(
                store.accounts[account.user_id], password_hash="v1:changed meanwhile"
            )
            return ok

    service = IdentityService(FakeUnitOfWork(store), Racing(), FakeTokens(), now=clock)
    with pytest.raises(InvalidCredentials):
        await service.login("ada@example.org", GOOD)
