"""Stores and staff (never the password hash or the picture)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from domain.stores import Staff, StaffOf, Store, StoresOf
from persistence.keyset import Link, Listing, ListingRepository
from persistence.models import Staff as StaffRow
from persistence.models import Store as StoreRow

_STORE = StoreRow.__table__
_STAFF = StaffRow.__table__


def _store(row: Row[Any]) -> Store:
    return Store(row.store_id, row.manager_staff_id, row.address_id, row.last_update)


def _staff(row: Row[Any]) -> Staff:
    return Staff(
        id=row.staff_id,
        first_name=row.first_name,
        last_name=row.last_name,
        address_id=row.address_id,
        email=row.email,
        store_id=row.store_id,
        active=row.active,
        username=row.username,
        last_update=row.last_update,
    )


STORES = Listing(_STORE, list(_STORE.c), _STORE.c.store_id, _store, {"ID": []})
STAFF = Listing(
    _STAFF,
    [c for c in _STAFF.c if c.name not in ("password", "picture")],
    _STAFF.c.staff_id,
    _staff,
    {"ID": []},
    {StaffOf.STORE: Link(_STAFF, _STAFF.c.store_id)},
)


class SqlStoreRepository(ListingRepository[Store, StoresOf]):
    listing = STORES


class SqlStaffRepository(ListingRepository[Staff, StaffOf]):
    listing = STAFF
