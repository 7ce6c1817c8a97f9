"""Who is asking, and the permission rules every service applies (API and agents alike).

Rules (the README's permission matrix is generated from these):
* catalogue reads are public;
* catalogue writes need staff (staff, manager or admin);
* a customer sees only their own rentals, payments, balance, subscriptions and conversations;
* staff and managers see the customers of their own store; managers also see their store's
  reports; admins see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import PermissionDenied, Unauthenticated


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    MANAGER = "manager"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int | None = None
    role: Role | None = None
    customer_id: int | None = None
    staff_id: int | None = None
    store_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


ANONYMOUS = Principal()


def require_authenticated(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise Unauthenticated()


def require_staff(principal: Principal) -> None:
    require_authenticated(principal)
    if not principal.is_staff:
        raise PermissionDenied("Only staff may do this.")


def require_role(principal: Principal, *roles: Role) -> None:
    require_authenticated(principal)
    if principal.role not in roles:
        raise PermissionDenied(f"Only {', '.join(r.value for r in roles)} may do this.")


def can_see_customer(principal: Principal, customer_id: int, customer_store_id: int) -> bool:
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.CUSTOMER:
        return principal.customer_id == customer_id
    if principal.role in (Role.STAFF, Role.MANAGER):
        return principal.store_id == customer_store_id
    return False


def require_customer_access(principal: Principal, customer_id: int, customer_store_id: int) -> None:
    require_authenticated(principal)
    if not can_see_customer(principal, customer_id, customer_store_id):
        raise PermissionDenied("You may only see your own (or your store's) customer data.")


def can_see_store_reports(principal: Principal, store_id: int | None) -> bool:
    if principal.role is Role.ADMIN:
        return True
    is_manager = principal.role is Role.MANAGER
    return is_manager and store_id is not None and principal.store_id == store_id
