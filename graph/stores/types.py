"""Store and Staff types. Public, except a staff member's home address (staff only)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from domain.catalogue.reads import InventoryOf
from domain.pagination import SortDirection, SortKey
from domain.stores import Staff as StaffEntity
from domain.stores import StaffOf, require_private_address_access, require_staff_contact_access
from domain.stores import Store as StoreEntity
from graph.catalogue.types import INVENTORY_BY_ID, Inventory
from graph.loading import NestedList
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection
from graph.relay import Node
from graph.stores import loaders

if TYPE_CHECKING:
    from graph.customers.types import Address

STAFF_BY_ID = SortKey("ID", SortDirection.ASC, ())

STORE_STAFF = NestedList("store.staff", lambda u: u.staff, StaffOf.STORE, STAFF_BY_ID)
STORE_INVENTORY = NestedList(
    "store.inventory", lambda u: u.inventory, InventoryOf.STORE, INVENTORY_BY_ID
)


async def load_store(info: Info, store_id: int) -> Store:
    found = await loaders.STORES.load(info.context, store_id)
    assert found is not None  # a foreign key
    return Store.from_entity(found)


async def load_staff(info: Info, staff_id: int) -> Staff:
    found = await loaders.STAFF.load(info.context, staff_id)
    assert found is not None  # a foreign key
    return Staff.from_entity(found)


@strawberry.type(description="A rental store, with its staff and its copies of films.")
class Store(Node):
    KEY: ClassVar[str] = "store_id"

    store_id: int = strawberry.field(description="The store's key in Pagila.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")
    manager_staff_id: strawberry.Private[int]
    address_id: strawberry.Private[int]

    @strawberry.field(description="The staff member managing the store.")
    async def manager(self, info: Info) -> Staff:
        return await load_staff(info, self.manager_staff_id)

    @strawberry.field(description="Where the store is.")
    async def address(
        self, info: Info
    ) -> Annotated[Address, strawberry.lazy("graph.customers.types")]:
        from graph.customers import types as customers

        return await customers.load_address(info, self.address_id)

    @strawberry.field(description="Everyone working at the store, by staff id.")
    async def staff(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Staff]:
        page = await STORE_STAFF.page(info, self.store_id, (first, after, last, before))
        return connection(page, Staff.from_entity)

    @strawberry.field(description="The copies of films the store holds, by inventory id.")
    async def inventory(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Inventory]:
        page = await STORE_INVENTORY.page(info, self.store_id, (first, after, last, before))
        return connection(page, Inventory.from_entity)

    @classmethod
    def from_entity(cls, store: StoreEntity) -> Store:
        return cls(
            store_id=store.id,
            last_update=store.last_update,
            manager_staff_id=store.manager_staff_id,
            address_id=store.address_id,
        )


@strawberry.type(description="Someone working at a store.")
class Staff(Node):
    KEY: ClassVar[str] = "staff_id"

    staff_id: int = strawberry.field(description="The staff member's key in Pagila.")
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    email_address: strawberry.Private[str | None]
    active: bool = strawberry.field(description="Whether they still work here.")
    username: str = strawberry.field(description="Login name at the till.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")
    store_id: strawberry.Private[int]
    address_id: strawberry.Private[int]

    @strawberry.field(description="The store they work at.")
    async def store(self, info: Info) -> Store:
        return await load_store(info, self.store_id)

    @strawberry.field(description="Work e-mail address.")
    def email(self, info: Info) -> str | None:
        require_staff_contact_access(info.context.principal)
        return self.email_address

    @strawberry.field(description="Home address. Staff only.")
    async def address(
        self, info: Info
    ) -> Annotated[Address, strawberry.lazy("graph.customers.types")]:
        from graph.customers import types as customers

        require_private_address_access(info.context.principal)
        return await customers.load_address(info, self.address_id)

    @classmethod
    def from_entity(cls, staff: StaffEntity) -> Staff:
        return cls(
            staff_id=staff.id,
            first_name=staff.first_name,
            last_name=staff.last_name,
            email_address=staff.email,
            active=staff.active,
            username=staff.username,
            last_update=staff.last_update,
            store_id=staff.store_id,
            address_id=staff.address_id,
        )
