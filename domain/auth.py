"""Who is asking, and the permission rules every service applies (API and agents alike).

Rules (docs/permissions.md's matrix is generated from these):
* catalogue reads are public;
* catalogue writes need staff (staff, manager or admin);
* a customer sees only their own rentals, payments, balance, subscriptions and conversations;
* staff and managers see the customers of their own store; managers also see their store's
  reports; admins see everything.

Each rule has two halves. The *access level* (`Access`) depends on the caller alone and is also
declared on the schema (graph/permissions.py, checked before any resolver runs); the *scope*
(whose data) needs the data and is checked by the services here. The services check both, so
the agents' tools, which call the services directly, follow the same rules.
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


class Access(StrEnum):
    """What a caller must be, whoever's data it is (the first half of every rule)."""

    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed_in"  # any role
    STAFF = "staff"  # staff, manager or admin
    MANAGER = "manager"  # manager or admin
    ADMIN = "admin"


ROLES_WITH_ACCESS: dict[Access, frozenset[Role]] = {
    Access.SIGNED_IN: frozenset(Role),
    Access.STAFF: STAFF_ROLES,
    Access.MANAGER: frozenset({Role.MANAGER, Role.ADMIN}),
    Access.ADMIN: frozenset({Role.ADMIN}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int | None = None
    role: Role | None = None
    customer_id: int | None = None
    staff_id: int | None = None
    store_id: int | None = None
    #: customers this caller has just served at a counter (a rental written or taken back for
    #: them, decision 0150): their data is visible as their own store's staff see it, for the
    #: rest of the operation that served them (graph/context.py `Context.viewer`)
    served_customers: frozenset[int] = frozenset()

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


def require_access(principal: Principal, access: Access) -> None:
    """Raises `Unauthenticated` (anonymous) or `PermissionDenied` unless the caller's role has
    `access`. Needs no data, so it costs nothing to call before every protected field."""
    if access is Access.PUBLIC:
        return
    require_authenticated(principal)
    if principal.role not in ROLES_WITH_ACCESS[access]:
        raise PermissionDenied(f"This needs {access.value.replace('_', ' ')} access.")


def require_role(principal: Principal, *roles: Role) -> None:
    require_authenticated(principal)
    if principal.role not in roles:
        raise PermissionDenied(f"Only {', '.join(r.value for r in roles)} may do this.")


def can_see_customer(principal: Principal, customer_id: int, customer_store_id: int) -> bool:
    if principal.role is Role.ADMIN:
        return True
    if principal.is_authenticated and customer_id in principal.served_customers:
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
