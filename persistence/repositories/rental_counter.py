"""Write-side repositories of the counter: rentals, payments, look-ups, idempotency keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from domain.errors import NotInStock
from domain.idempotency import Result, StoredOutcome
from domain.rentals.billing import RentalTerms
from domain.rentals.counter import (
    Copy,
    CounterParties,
    CustomerStanding,
    LockedCopy,
    PaymentRecord,
    RentalRecord,
    ReturnFacts,
)
from persistence import models
from persistence.repositories.base import Prepared, Repository

_CUSTOMER = cast(Table, models.Customer.__table__)
_STAFF = cast(Table, models.Staff.__table__)
_STORE = cast(Table, models.Store.__table__)
_FILM = cast(Table, models.Film.__table__)
_INVENTORY = cast(Table, models.Inventory.__table__)
_RENTAL = cast(Table, models.Rental.__table__)
_PAYMENT = cast(Table, models.Payment.__table__)
_IDEMPOTENCY = cast(Table, models.IdempotencyKey.__table__)

OPEN_RENTAL_INDEX = "idx_unq_rental_open_inventory_id"


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint a statement violated (asyncpg puts it on the cause)."""
    error: BaseException | None = exc.orig
    while error is not None:
        name = getattr(error, "constraint_name", None)
        if name:
            return str(name)
        error = error.__cause__
    return None


def _rental(row: Any) -> RentalRecord:
    return RentalRecord(
        rental_id=row.rental_id,
        rented_at=row.rental_date,
        inventory_id=row.inventory_id,
        customer_id=row.customer_id,
        staff_id=row.staff_id,
        returned_at=row.return_date,
    )


def _payment(row: Row[Any]) -> PaymentRecord:
    return PaymentRecord(
        payment_id=row.payment_id,
        customer_id=row.customer_id,
        staff_id=row.staff_id,
        rental_id=row.rental_id,
        amount=row.amount,
        paid_at=row.payment_date,
    )


_RENTAL_COLUMNS = (
    _RENTAL.c.rental_id,
    _RENTAL.c.rental_date,
    _RENTAL.c.inventory_id,
    _RENTAL.c.customer_id,
    _RENTAL.c.staff_id,
    _RENTAL.c.return_date,
)
_COPY_COLUMNS = (_INVENTORY.c.inventory_id, _INVENTORY.c.film_id, _INVENTORY.c.store_id)


class SqlDirectory(Repository):
    async def customer_standing(self, customer_id: int) -> CustomerStanding | None:
        row = await self._run.one_or_none(
            select(_CUSTOMER.c.customer_id, _CUSTOMER.c.store_id, _CUSTOMER.c.activebool).where(
                _CUSTOMER.c.customer_id == customer_id
            )
        )
        if row is None:
            return None
        return CustomerStanding(row.customer_id, row.store_id, row.activebool)

    async def staff_store(self, staff_id: int) -> int | None:
        store_id: int | None = await self._run.scalar(
            select(_STAFF.c.store_id).where(_STAFF.c.staff_id == staff_id)
        )
        return store_id

    async def store_exists(self, store_id: int) -> bool:
        return bool(await self._run.scalar(select(exists().where(_STORE.c.store_id == store_id))))

    async def counter_staff(self, store_id: int) -> int | None:
        staff_id: int | None = await self._run.scalar(_counter_staff(store_id))
        return staff_id

    async def counter_parties(
        self, *, store_id: int, customer_id: int, staff_id: int | None, counter_staff: bool
    ) -> CounterParties:
        statement = _PARTIES[(staff_id is not None, counter_staff)]
        params: dict[str, Any] = {"store_id": store_id, "customer_id": customer_id}
        if staff_id is not None:
            params["staff_id"] = staff_id
        rows = await self._run.prepared(statement, **params)
        row = rows[0]
        mapping = row._mapping
        found = row.customer_id is not None
        return CounterParties(
            store_exists=bool(row.store_exists),
            customer=CustomerStanding(row.customer_id, row.store_id, row.activebool)
            if found
            else None,
            staff_store=mapping.get("staff_store"),
            counter_staff=mapping.get("counter_staff"),
        )

    async def film_exists(self, film_id: int) -> bool:
        return bool(await self._run.scalar(select(exists().where(_FILM.c.film_id == film_id))))


def _counter_staff(store_id: int | ColumnElement[int]) -> Any:
    """The store's manager when they work there, else its staff member with the lowest id."""
    manager = (
        select(_STORE.c.manager_staff_id).where(_STORE.c.store_id == store_id).scalar_subquery()
    )
    return (
        select(_STAFF.c.staff_id)
        .where(_STAFF.c.store_id == store_id)
        .order_by((_STAFF.c.staff_id == manager).desc(), _STAFF.c.staff_id)
        .limit(1)
    )


def _parties(staff: bool, counter: bool) -> Prepared:
    """One row: the customer (left-joined to a constant row, so that a missing customer still
    gives a row) and scalar subqueries, each the statement of a single look-up: whether the
    store exists, the named staff member's store (`staff`), the store's counter staff
    (`counter`)."""
    one = select(literal(1).label("one")).subquery("one")
    store_id = bindparam("store_id", type_=Integer)
    columns: list[Any] = [
        exists().where(_STORE.c.store_id == store_id).label("store_exists"),
        _CUSTOMER.c.customer_id,
        _CUSTOMER.c.store_id,
        _CUSTOMER.c.activebool,
    ]
    if staff:
        columns.append(
            select(_STAFF.c.store_id)
            .where(_STAFF.c.staff_id == bindparam("staff_id", type_=Integer))
            .scalar_subquery()
            .label("staff_store")
        )
    if counter:
        columns.append(_counter_staff(store_id).scalar_subquery().label("counter_staff"))
    customer = bindparam("customer_id", type_=Integer)
    return Prepared(
        select(*columns).select_from(one.outerjoin(_CUSTOMER, _CUSTOMER.c.customer_id == customer))
    )


_PARTIES = {
    (staff, counter): _parties(staff, counter)
    for staff in (False, True)
    for counter in (False, True)
}


def _open_rental_of_copy() -> Any:
    return exists().where(
        _RENTAL.c.inventory_id == _INVENTORY.c.inventory_id, _RENTAL.c.return_date.is_(None)
    )


class SqlRentalRepository(Repository):
    async def lock_available_copy(self, film_id: int, store_id: int) -> Copy | None:
        passed_over: list[int] = []
        while True:
            statement = (
                select(*_COPY_COLUMNS)
                .where(
                    _INVENTORY.c.film_id == film_id,
                    _INVENTORY.c.store_id == store_id,
                    ~_open_rental_of_copy(),
                )
                .order_by(_INVENTORY.c.inventory_id)
                .limit(1)
                .with_for_update(of=_INVENTORY, skip_locked=True)
            )
            if passed_over:
                statement = statement.where(_INVENTORY.c.inventory_id.not_in(passed_over))
            row = await self._run.one_or_none(statement)
            if row is None:
                return None
            # The statement's snapshot may predate a rental committed just before we locked the
            # copy; a fresh statement sees it.
            if not await self._has_open_rental(row.inventory_id):
                return Copy(row.inventory_id, row.film_id, row.store_id)
            passed_over.append(row.inventory_id)

    async def lock_copy_for_rent(self, inventory_id: int) -> LockedCopy | None:
        # The open-rental test reads the statement's snapshot, taken before any wait for the
        # lock: a rental committed meanwhile is not seen here, and the insert's unique index
        # refuses it instead (`add`). A return committed meanwhile makes this answer "rented
        # out", which was true when the statement began.
        rows = await self._run.prepared(_LOCK_COPY, inventory_id=inventory_id)
        if not rows:
            return None
        row = rows[0]
        return LockedCopy(Copy(row.inventory_id, row.film_id, row.store_id), row.rented_out)

    async def _has_open_rental(self, inventory_id: int) -> bool:
        return bool(
            await self._run.scalar(
                select(
                    exists().where(
                        _RENTAL.c.inventory_id == inventory_id, _RENTAL.c.return_date.is_(None)
                    )
                )
            )
        )

    async def add(
        self, *, customer_id: int, inventory_id: int, staff_id: int, rented_at: dt.datetime
    ) -> RentalRecord:
        try:
            rows = await self._run.prepared(
                _ADD_RENTAL,
                p_rented_at=rented_at,
                p_inventory_id=inventory_id,
                p_customer_id=customer_id,
                p_staff_id=staff_id,
            )
        except IntegrityError as exc:
            if violated_constraint(exc) == OPEN_RENTAL_INDEX:
                raise NotInStock(
                    f"Copy {inventory_id} is rented out.", field="input.inventoryId"
                ) from None
            raise
        return _rental(rows[0])

    async def get(self, rental_id: int) -> RentalRecord | None:
        rows = await self._run.prepared(_GET_RENTAL, rental_id=rental_id)
        return _rental(rows[0]) if rows else None

    async def lock_for_return(self, rental_id: int) -> ReturnFacts | None:
        rows = await self._run.prepared(_LOCK_FOR_RETURN, rental_id=rental_id)
        if not rows:
            return None
        row = rows[0]
        return ReturnFacts(
            rental=_rental(row),
            copy=Copy(row.inventory_id, row.film_id, row.store_id),
            terms=RentalTerms(row.rental_rate, row.rental_duration, row.replacement_cost),
            paid=row.paid,
        )

    async def mark_returned(self, rental_id: int, returned_at: dt.datetime) -> RentalRecord:
        rows = await self._run.prepared(
            _MARK_RETURNED, p_rental_id=rental_id, p_returned_at=returned_at
        )
        return _rental(rows[0])

    async def latest_of_customer(self, customer_id: int) -> int | None:
        rental_id: int | None = await self._run.scalar(
            select(_RENTAL.c.rental_id)
            .where(_RENTAL.c.customer_id == customer_id)
            .order_by(_RENTAL.c.rental_date.desc(), _RENTAL.c.rental_id.desc())
            .limit(1)
        )
        return rental_id


def _lock_for_return() -> Prepared:
    """The rental and its copy locked (rental first, then its copy: the order the separate
    statements locked them in), with the film's terms and the payments made for the rental."""
    rental_id = _RENTAL.c.rental_id
    paid = (
        select(func.coalesce(func.sum(_PAYMENT.c.amount), Decimal("0.00")))
        .where(_PAYMENT.c.rental_id == rental_id)
        .scalar_subquery()
    )
    return Prepared(
        select(
            *_RENTAL_COLUMNS,
            _INVENTORY.c.film_id,
            _INVENTORY.c.store_id,
            _FILM.c.rental_rate,
            _FILM.c.rental_duration,
            _FILM.c.replacement_cost,
            paid.label("paid"),
        )
        .select_from(_RENTAL)
        .join(_INVENTORY, _INVENTORY.c.inventory_id == _RENTAL.c.inventory_id)
        .join(_FILM, _FILM.c.film_id == _INVENTORY.c.film_id)
        .where(rental_id == bindparam("rental_id", type_=Integer))
        .with_for_update(of=[_RENTAL, _INVENTORY])
    )


# The counter's statements, compiled once (decision 0171).
_LOCK_COPY = Prepared(
    select(*_COPY_COLUMNS, _open_rental_of_copy().label("rented_out"))
    .where(_INVENTORY.c.inventory_id == bindparam("inventory_id", type_=Integer))
    .with_for_update(of=_INVENTORY)
)
_ADD_RENTAL = Prepared(
    insert(_RENTAL)
    .values(
        rental_date=bindparam("p_rented_at"),
        inventory_id=bindparam("p_inventory_id"),
        customer_id=bindparam("p_customer_id"),
        staff_id=bindparam("p_staff_id"),
    )
    .returning(*_RENTAL_COLUMNS)
)
_GET_RENTAL = Prepared(
    select(*_RENTAL_COLUMNS).where(_RENTAL.c.rental_id == bindparam("rental_id", type_=Integer))
)
_LOCK_FOR_RETURN = _lock_for_return()
_MARK_RETURNED = Prepared(
    update(_RENTAL)
    .where(_RENTAL.c.rental_id == bindparam("p_rental_id", type_=Integer))
    .values(return_date=bindparam("p_returned_at"))
    .returning(*_RENTAL_COLUMNS)
)


_PAYMENT_COLUMNS = (
    _PAYMENT.c.payment_id,
    _PAYMENT.c.customer_id,
    _PAYMENT.c.staff_id,
    _PAYMENT.c.rental_id,
    _PAYMENT.c.amount,
    _PAYMENT.c.payment_date,
)


class SqlPaymentRepository(Repository):
    async def add(
        self,
        *,
        customer_id: int,
        staff_id: int,
        rental_id: int,
        amount: Decimal,
        paid_at: dt.datetime,
    ) -> PaymentRecord:
        row = await self._run.one_or_none(
            insert(_PAYMENT)
            .values(
                # the model does not declare the sequence default of this composite key
                payment_id=func.nextval("payment_payment_id_seq"),
                customer_id=customer_id,
                staff_id=staff_id,
                rental_id=rental_id,
                amount=amount,
                payment_date=paid_at,
            )
            .returning(*_PAYMENT_COLUMNS)
        )
        assert row is not None
        return _payment(row)

    async def get(self, payment_id: int) -> PaymentRecord | None:
        row = await self._run.one_or_none(
            select(*_PAYMENT_COLUMNS).where(_PAYMENT.c.payment_id == payment_id)
        )
        return None if row is None else _payment(row)


class SqlIdempotencyStore(Repository):
    async def claim(
        self, principal: str, operation: str, key: str, request_hash: str
    ) -> StoredOutcome | None:
        # A concurrent attempt with the same key holds its row's index entry until it ends; the
        # insert waits for it, then does nothing (it committed) or takes the key (rolled back).
        claimed = await self._run.one_or_none(
            pg_insert(_IDEMPOTENCY)
            .values(principal=principal, operation=operation, key=key, request_hash=request_hash)
            .on_conflict_do_nothing(index_elements=["principal", "operation", "key"])
            .returning(_IDEMPOTENCY.c.key)
        )
        if claimed is not None:
            return None
        row = await self._run.one_or_none(
            select(_IDEMPOTENCY.c.request_hash, _IDEMPOTENCY.c.result).where(
                _IDEMPOTENCY.c.principal == principal,
                _IDEMPOTENCY.c.operation == operation,
                _IDEMPOTENCY.c.key == key,
            )
        )
        assert row is not None
        return StoredOutcome(row.request_hash, row.result)

    async def complete(self, principal: str, operation: str, key: str, result: Result) -> None:
        await self._run.one_or_none(
            update(_IDEMPOTENCY)
            .where(
                _IDEMPOTENCY.c.principal == principal,
                _IDEMPOTENCY.c.operation == operation,
                _IDEMPOTENCY.c.key == key,
            )
            .values(result=dict(result))
            .returning(_IDEMPOTENCY.c.key)
        )
