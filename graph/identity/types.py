"""The caller's account, the tokens of a session, and the refusals of signing in."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from domain import errors as d
from domain.identity import Account as AccountEntity
from domain.identity import Session
from graph.customers.types import Customer
from graph.errors import UserError, register_error
from graph.pagination import Info
from graph.stores import loaders as store_loaders
from graph.stores.types import Staff
from graph.writing import reread


@strawberry.enum(description="What an account may do (see docs/permissions.md).")
class AccountRole(Enum):
    CUSTOMER = "customer"
    STAFF = "staff"
    MANAGER = "manager"
    ADMIN = "admin"


@strawberry.type(
    description="A sign-in: a customer's, or a staff member's (staff, manager or admin). Only "
    "ever your own."
)
class Account:
    user_id: int
    email: str
    role: AccountRole
    active: bool
    store_id: int | None = strawberry.field(
        description="The store of your customer record, or the store you work at."
    )
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    customer_id: strawberry.Private[int | None]
    staff_id: strawberry.Private[int | None]

    @classmethod
    def from_entity(cls, account: AccountEntity) -> Account:
        return cls(
            user_id=account.user_id,
            email=account.email,
            role=AccountRole(account.role.value),
            active=account.active,
            store_id=account.store_id,
            created_at=account.created_at,
            last_login_at=account.last_login_at,
            customer_id=account.customer_id,
            staff_id=account.staff_id,
        )

    @strawberry.field(description="Your customer record (customer accounts).")
    async def customer(self, info: Info) -> Customer | None:
        if self.customer_id is None:
            return None
        # an Account is only ever the caller's own (just signed in, or `me`), so its customer
        # row is read like a mutation's result; its nested fields still check the caller
        return Customer.from_entity(await reread(info, lambda uow: uow.customers, self.customer_id))

    @strawberry.field(description="Your staff record (staff, manager and admin accounts).")
    async def staff(self, info: Info) -> Staff | None:
        if self.staff_id is None:
            return None
        found = await store_loaders.STAFF.load(info.context, self.staff_id)
        return None if found is None else Staff.from_entity(found)


@strawberry.type(
    description="A session's tokens. Send the access token as `Authorization: Bearer …` (or in "
    "the WebSocket `connection_init` payload); trade the refresh token for new tokens with "
    "`refreshToken` before the access token expires. Each refresh token works once."
)
class AuthTokens:
    access_token: str
    access_token_expires_at: dt.datetime
    refresh_token: str
    refresh_token_expires_at: dt.datetime
    token_type: str = strawberry.field(default="Bearer", description="Always `Bearer`.")

    @classmethod
    def from_session(cls, session: Session) -> AuthTokens:
        return cls(
            access_token=session.access_token,
            access_token_expires_at=session.access_token_expires_at,
            refresh_token=session.refresh_token,
            refresh_token_expires_at=session.refresh_token_expires_at,
        )


@strawberry.type(
    description="Wrong e-mail or password (the same answer whether or not the e-mail has an "
    "account)."
)
class InvalidCredentialsError(UserError):
    pass


@strawberry.type(
    description="The token is malformed, tampered with, expired, revoked or unknown: sign in again."
)
class InvalidTokenError(UserError):
    pass


@strawberry.type(
    description="This refresh token had already been used, so it may have been stolen: every "
    "session of the same sign-in is revoked. Sign in again."
)
class TokenReusedError(UserError):
    pass


register_error(d.InvalidCredentials, InvalidCredentialsError)
register_error(d.InvalidToken, InvalidTokenError)
register_error(d.TokenReused, TokenReusedError)
