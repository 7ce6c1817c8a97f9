"""`me`: the caller's account."""

from __future__ import annotations

import strawberry

from domain.identity import IdentityService
from graph.identity.types import Account
from graph.writing import Info
from persistence.unit_of_work import SqlAlchemyUnitOfWork


@strawberry.type
class IdentityQuery:
    @strawberry.field(
        description="Your account, with your customer or staff record. An UNAUTHENTICATED "
        "error when you are not signed in."
    )
    async def me(self, info: Info) -> Account:
        kit = info.context.identity
        if kit is None:
            raise RuntimeError("The app was built without identity ports.")
        uow = SqlAlchemyUnitOfWork(info.context.database, read_only=True)
        service: IdentityService = kit.service(uow)
        return Account.from_entity(await service.me(info.context.principal))
