"""Rental and payment filter and ordering inputs."""

from __future__ import annotations

import strawberry

from domain.pagination import SortDirection, SortKey
from domain.reading import sort_key
from domain.rentals import reads as rentals
from domain.rentals.reads import PaymentFilter as PaymentCriteria
from domain.rentals.reads import RentalFilter as RentalCriteria
from graph.filtering import DateTimeRange
from graph.pagination import OrderDirection

RentalStatus = strawberry.enum(
    rentals.RentalStatus,
    name="RentalStatus",
    description="RETURNED; OUTSTANDING: still out; OVERDUE: still out past its due date.",
)
RentalOrderField = strawberry.enum(
    rentals.RentalOrderField,
    name="RentalOrderField",
    description="RETURN_DATE puts rentals still out last (ascending); ties by rentalId.",
)
PaymentOrderField = strawberry.enum(
    rentals.PaymentOrderField, name="PaymentOrderField", description="Ties by paymentId."
)


@strawberry.input(description="Rentals matching all the criteria given.")
class RentalFilter:
    customer_id: int | None = strawberry.field(default=None, description="Rented by.")
    store_id: int | None = strawberry.field(
        default=None, description="The copy belongs to this store."
    )
    rented: DateTimeRange | None = strawberry.field(
        default=None, description="Rental date in this period."
    )
    status: RentalStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Returned, outstanding or overdue (as of now)."
    )

    def criteria(self) -> RentalCriteria:
        period = self.rented or DateTimeRange()
        return RentalCriteria(
            customer_id=self.customer_id,
            store_id=self.store_id,
            rented_from=period.from_,
            rented_to=period.to,
            status=self.status,
        )


@strawberry.input(description="Payments matching all the criteria given.")
class PaymentFilter:
    customer_id: int | None = strawberry.field(default=None, description="Paid by.")
    paid: DateTimeRange | None = strawberry.field(
        default=None, description="Payment date in this period."
    )

    def criteria(self) -> PaymentCriteria:
        period = self.paid or DateTimeRange()
        return PaymentCriteria(
            customer_id=self.customer_id, paid_from=period.from_, paid_to=period.to
        )


@strawberry.input(description="How to order rentals.")
class RentalOrder:
    field: RentalOrderField  # type: ignore[valid-type]
    direction: OrderDirection = SortDirection.ASC  # type: ignore[valid-type]


@strawberry.input(description="How to order payments.")
class PaymentOrder:
    field: PaymentOrderField  # type: ignore[valid-type]
    direction: OrderDirection = SortDirection.ASC  # type: ignore[valid-type]


def rental_order(order: RentalOrder | None) -> SortKey:
    field, direction = (
        (rentals.RentalOrderField.RENTAL_DATE, SortDirection.DESC)
        if order is None
        else (order.field, order.direction)
    )
    return sort_key(field, direction, rentals.RENTAL_SORT_TYPES)


def payment_order(order: PaymentOrder | None) -> SortKey:
    field, direction = (
        (rentals.PaymentOrderField.PAYMENT_DATE, SortDirection.DESC)
        if order is None
        else (order.field, order.direction)
    )
    return sort_key(field, direction, rentals.PAYMENT_SORT_TYPES)
