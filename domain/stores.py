"""Stores and their staff. Public reads, except what is private to staff: a staff member's home
address is visible to staff only; passwords and pictures are never read at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from domain.auth import Principal, require_staff
from domain.reading import ListRepository


@dataclass(frozen=True, slots=True)
class Store:
    id: int
    manager_staff_id: int
    address_id: int
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    first_name: str
    last_name: str
    address_id: int
    email: str | None
    store_id: int
    active: bool
    username: str
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class NoFilter:
    pass


class StoresOf(StrEnum):
    """Stores are never a nested list."""


class StaffOf(StrEnum):
    STORE = "STORE"


StoreRepository = ListRepository[Store, NoFilter, StoresOf]
StaffRepository = ListRepository[Staff, NoFilter, StaffOf]


def require_staff_contact_access(principal: Principal) -> None:
    """Staff e-mail addresses are sign-in names (the admin's too): for staff eyes only."""
    require_staff(principal)


def require_private_address_access(principal: Principal) -> None:
    """Home addresses (staff, and addresses fetched by id) are for staff eyes only."""
    require_staff(principal)
