"""Accounts (`app_user`) and refresh tokens, for domain/identity.py."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from sqlalchemy import Row, Table, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.auth import Role
from domain.errors import EmailTaken
from domain.identity import Account, StaffMember, StoredAccount, StoredRefreshToken
from persistence import models
from persistence.keyset import Listing
from persistence.repositories.base import Repository
from persistence.repositories.rental_counter import violated_constraint

EMAIL_INDEX = "idx_app_user_email"
_USER = cast(Table, models.AppUser.__table__)
_TOKEN = cast(Table, models.RefreshToken.__table__)
_CUSTOMER = cast(Table, models.Customer.__table__)
_STAFF = cast(Table, models.Staff.__table__)

# the store of the person behind the account: the customer's or the staff member's
_STORE_ID = func.coalesce(_CUSTOMER.c.store_id, _STAFF.c.store_id).label("store_id")
_ACCOUNTS = _USER.outerjoin(_CUSTOMER, _CUSTOMER.c.customer_id == _USER.c.customer_id).outerjoin(
    _STAFF, _STAFF.c.staff_id == _USER.c.staff_id
)
_COLUMNS = (
    _USER.c.user_id,
    _USER.c.email,
    _USER.c.role,
    _USER.c.customer_id,
    _USER.c.staff_id,
    _USER.c.active,
    _USER.c.created_at,
    _USER.c.last_login_at,
    _USER.c.password_hash,
    _STORE_ID,
)


def _stored(row: Row[Any]) -> StoredAccount:
    return StoredAccount(_stored_account(row), row.password_hash)


def _stored_account(row: Row[Any]) -> Account:
    return Account(
        user_id=row.user_id,
        email=row.email,
        role=Role(row.role),
        customer_id=row.customer_id,
        staff_id=row.staff_id,
        store_id=row.store_id,
        active=row.active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


class SqlIdentityStore(Repository):
    async def by_email(self, email: str) -> StoredAccount | None:
        row = await self._run.one_or_none(
            select(*_COLUMNS)
            .select_from(_ACCOUNTS)
            .where(func.lower(_USER.c.email) == email.lower())
        )
        return None if row is None else _stored(row)

    async def by_id(self, user_id: int, *, lock: bool = False) -> StoredAccount | None:
        statement = select(*_COLUMNS).select_from(_ACCOUNTS).where(_USER.c.user_id == user_id)
        if lock:
            statement = statement.with_for_update(of=_USER)
        row = await self._run.one_or_none(statement)
        return None if row is None else _stored(row)

    async def email_taken(self, email: str) -> bool:
        taken = exists().where(func.lower(_USER.c.email) == email.lower())
        return bool(await self._run.scalar(select(taken)))

    async def insert(
        self,
        *,
        email: str,
        password_hash: str,
        role: Role,
        customer_id: int | None = None,
        staff_id: int | None = None,
    ) -> Account:
        statement = (
            insert(_USER)
            .values(
                email=email,
                password_hash=password_hash,
                role=role.value,
                customer_id=customer_id,
                staff_id=staff_id,
            )
            .returning(_USER.c.user_id)
        )
        try:
            user_id: int = await self._run.scalar(statement)
        except IntegrityError as exc:
            # a concurrent registration took the e-mail after our check
            if violated_constraint(exc) == EMAIL_INDEX:
                raise EmailTaken(
                    "An account with this e-mail exists.", field="input.email"
                ) from None
            raise
        stored = await self.by_id(user_id)
        assert stored is not None
        return stored.account

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._run.all(
            update(_USER)
            .where(_USER.c.user_id == user_id)
            .values(password_hash=password_hash, updated_at=func.now())
            .returning(_USER.c.user_id)
        )

    async def record_login(self, user_id: int, at: dt.datetime) -> None:
        await self._run.all(
            update(_USER)
            .where(_USER.c.user_id == user_id)
            .values(last_login_at=at)
            .returning(_USER.c.user_id)
        )

    async def insert_refresh_token(
        self, user_id: int, token_hash: bytes, family_id: uuid.UUID, expires_at: dt.datetime
    ) -> None:
        await self._run.all(
            insert(_TOKEN)
            .values(
                user_id=user_id, token_hash=token_hash, family_id=family_id, expires_at=expires_at
            )
            .returning(_TOKEN.c.token_id)
        )

    async def refresh_token(self, token_hash: bytes) -> StoredRefreshToken | None:
        row = await self._run.one_or_none(
            select(
                _TOKEN.c.token_id,
                _TOKEN.c.user_id,
                _TOKEN.c.family_id,
                _TOKEN.c.expires_at,
                _TOKEN.c.used_at,
                _TOKEN.c.revoked_at,
            )
            .where(_TOKEN.c.token_hash == token_hash)
            .with_for_update()
        )
        if row is None:
            return None
        return StoredRefreshToken(
            row.token_id, row.user_id, row.family_id, row.expires_at, row.used_at, row.revoked_at
        )

    async def mark_used(self, token_id: int, at: dt.datetime) -> None:
        await self._run.all(
            update(_TOKEN)
            .where(_TOKEN.c.token_id == token_id)
            .values(used_at=at)
            .returning(_TOKEN.c.token_id)
        )

    async def revoke_family(self, family_id: uuid.UUID, at: dt.datetime) -> None:
        await self._run.all(
            update(_TOKEN)
            .where(_TOKEN.c.family_id == family_id, _TOKEN.c.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(_TOKEN.c.token_id)
        )

    async def revoke_all(self, user_id: int, at: dt.datetime) -> None:
        await self._run.all(
            update(_TOKEN)
            .where(_TOKEN.c.user_id == user_id, _TOKEN.c.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(_TOKEN.c.token_id)
        )

    async def purge_expired(self, user_id: int, now: dt.datetime) -> None:
        await self._run.all(
            delete(_TOKEN)
            .where(_TOKEN.c.user_id == user_id, _TOKEN.c.expires_at < now)
            .returning(_TOKEN.c.token_id)
        )

    async def seedable_staff(self) -> list[StaffMember]:
        """Staff without an account, of the stores that have customers (Pagila's other stores
        are filler: no customers, inventory or rentals)."""
        store = cast(Table, models.Store.__table__)
        with_customers = select(_CUSTOMER.c.store_id).distinct()
        rows = await self._run.all(
            select(
                _STAFF.c.staff_id,
                _STAFF.c.store_id,
                _STAFF.c.email,
                (store.c.manager_staff_id == _STAFF.c.staff_id).label("manages"),
            )
            .select_from(_STAFF.join(store, store.c.store_id == _STAFF.c.store_id))
            .where(
                _STAFF.c.store_id.in_(with_customers),
                _STAFF.c.email.is_not(None),
                ~exists().where(_USER.c.staff_id == _STAFF.c.staff_id),
            )
            .order_by(_STAFF.c.store_id, _STAFF.c.staff_id)
        )
        return [StaffMember(r.staff_id, r.store_id, r.email, bool(r.manages)) for r in rows]

    async def role_exists(self, role: Role) -> bool:
        return bool(await self._run.scalar(select(exists().where(_USER.c.role == role.value))))

    async def seedable_customers(self) -> list[tuple[int, str]]:
        """Active customers with an e-mail no account uses yet: (customer id, e-mail)."""
        rows = await self._run.all(
            select(_CUSTOMER.c.customer_id, _CUSTOMER.c.email)
            .where(
                _CUSTOMER.c.activebool.is_(True),
                _CUSTOMER.c.email.is_not(None),
                ~exists().where(_USER.c.customer_id == _CUSTOMER.c.customer_id),
                ~exists().where(func.lower(_USER.c.email) == func.lower(_CUSTOMER.c.email)),
            )
            .order_by(_CUSTOMER.c.customer_id)
        )
        return [(r.customer_id, r.email) for r in rows]


#: Accounts as a listing (no password hash): what the compiled read path reads for `me`.
ACCOUNTS = Listing(
    _ACCOUNTS, [c for c in _COLUMNS if c.key != "password_hash"], _USER.c.user_id, _stored_account
)
