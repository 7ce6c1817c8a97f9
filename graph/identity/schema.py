"""`me`: the caller's account."""

from __future__ import annotations

import strawberry

from domain.identity import account_of
from graph.identity.types import Account
from graph.writing import Info


@strawberry.type
class IdentityQuery:
    @strawberry.field(
        description="Your account, with your customer or staff record. An UNAUTHENTICATED "
        "error when you are not signed in."
    )
    async def me(self, info: Info) -> Account:
        async with info.context.units.read_only() as unit:
            account = await account_of(unit.identities, info.context.principal)
        return Account.from_entity(account)
