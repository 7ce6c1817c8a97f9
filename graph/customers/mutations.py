"""Customer mutations: sign-up, profile changes, deactivation, streaming subscriptions.

Results are the read API's types (`Customer`, `StreamingSubscription`), re-read after the commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from domain.catalogue.admin import KEEP
from domain.customers.admin import (
    AddressDraft,
    CustomerAdminService,
    CustomerChanges,
    CustomerDraft,
)
from graph.customers.types import Customer, StreamingSubscription
from graph.mutations import Payload, run_mutation
from graph.writing import Info, caller, read_back, write_uow


def _service(info: Info) -> CustomerAdminService:
    return CustomerAdminService(write_uow(info), events=info.context.publisher)


async def _customer(info: Info, customer_id: int) -> Customer:
    return await read_back(info, Customer, lambda uow: uow.customers, customer_id)


async def _subscription(info: Info, subscription_id: int) -> StreamingSubscription:
    return await read_back(
        info, StreamingSubscription, lambda uow: uow.subscriptions, subscription_id
    )


def _kept(value: Any) -> Any:
    return KEEP if value is strawberry.UNSET else value


@strawberry.input(
    description="A postal address. The country must exist; the city is found in it or added."
)
class AddressInput:
    address: str = strawberry.field(description="Street and number, up to 50 characters.")
    district: str = strawberry.field(description="Up to 20 characters.")
    city: str = strawberry.field(description="Up to 50 characters.")
    country: str = strawberry.field(description="A country Pagila knows, e.g. Canada.")
    phone: str = strawberry.field(description="Up to 20 characters.")
    address2: str | None = strawberry.field(default=None, description="Up to 50 characters.")
    postal_code: str | None = strawberry.field(default=None, description="Up to 10 characters.")

    def to_draft(self) -> AddressDraft:
        return AddressDraft(
            address=self.address,
            district=self.district,
            city=self.city,
            country=self.country,
            phone=self.phone,
            address2=self.address2,
            postal_code=self.postal_code,
        )


@strawberry.input
class CreateCustomerInput:
    store_id: int
    first_name: str = strawberry.field(description="Up to 45 characters.")
    last_name: str = strawberry.field(description="Up to 45 characters.")
    address: AddressInput
    email: str | None = strawberry.field(default=None, description="Up to 254 characters.")


@strawberry.input(description="Fields left out keep their value; a null email clears it.")
class UpdateCustomerInput:
    customer_id: int
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    store_id: int | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET


@strawberry.input
class DeactivateCustomerInput:
    customer_id: int


@strawberry.type
class CustomerPayload(Payload):
    customer: Customer | None = strawberry.field(default=None, description="As written.")


@strawberry.type
class CreateCustomerPayload(CustomerPayload):
    pass


@strawberry.type
class UpdateCustomerPayload(CustomerPayload):
    pass


@strawberry.type
class DeactivateCustomerPayload(CustomerPayload):
    pass


@strawberry.input(description="Subscriptions of one customer never overlap.")
class StartStreamingSubscriptionInput:
    customer_id: int
    plan_name: str = strawberry.field(description="Up to 50 characters.")
    start_date: dt.date | None = strawberry.field(default=None, description="Default: today.")
    end_date: dt.date | None = strawberry.field(
        default=None, description="First day without service; null: until cancelled."
    )


@strawberry.input
class CancelStreamingSubscriptionInput:
    subscription_id: int
    end_date: dt.date | None = strawberry.field(
        default=None, description="First day without service; default: tomorrow."
    )


@strawberry.type
class SubscriptionPayload(Payload):
    subscription: StreamingSubscription | None = strawberry.field(
        default=None, description="As written."
    )


@strawberry.type
class StartStreamingSubscriptionPayload(SubscriptionPayload):
    pass


@strawberry.type
class CancelStreamingSubscriptionPayload(SubscriptionPayload):
    pass


@strawberry.type
class CustomersMutation:
    @strawberry.mutation(description="Sign up a customer at a store (staff of that store).")
    async def create_customer(
        self, info: Info, input: CreateCustomerInput
    ) -> CreateCustomerPayload:
        draft = CustomerDraft(
            store_id=input.store_id,
            first_name=input.first_name,
            last_name=input.last_name,
            address=input.address.to_draft(),
            email=input.email,
        )

        async def action() -> CreateCustomerPayload:
            customer = await _service(info).create_customer(caller(info), draft)
            return CreateCustomerPayload(customer=await _customer(info, customer.customer_id))

        return await run_mutation(CreateCustomerPayload, action)

    @strawberry.mutation(
        description="Change a customer's details (staff of their store, or the customer, who "
        "cannot change their store)."
    )
    async def update_customer(
        self, info: Info, input: UpdateCustomerInput
    ) -> UpdateCustomerPayload:
        address = input.address
        changes = CustomerChanges(
            first_name=_kept(input.first_name),
            last_name=_kept(input.last_name),
            email=_kept(input.email),
            store_id=_kept(input.store_id),
            address=address.to_draft() if isinstance(address, AddressInput) else _kept(address),
        )

        async def action() -> UpdateCustomerPayload:
            customer = await _service(info).update_customer(
                caller(info), input.customer_id, changes
            )
            return UpdateCustomerPayload(customer=await _customer(info, customer.customer_id))

        return await run_mutation(UpdateCustomerPayload, action)

    @strawberry.mutation(description="Deactivate a customer: they can no longer rent (staff).")
    async def deactivate_customer(
        self, info: Info, input: DeactivateCustomerInput
    ) -> DeactivateCustomerPayload:
        async def action() -> DeactivateCustomerPayload:
            customer = await _service(info).deactivate_customer(caller(info), input.customer_id)
            return DeactivateCustomerPayload(customer=await _customer(info, customer.customer_id))

        return await run_mutation(DeactivateCustomerPayload, action)

    @strawberry.mutation(
        description="Start a streaming plan (the customer, or their store's staff)."
    )
    async def start_streaming_subscription(
        self, info: Info, input: StartStreamingSubscriptionInput
    ) -> StartStreamingSubscriptionPayload:
        async def action() -> StartStreamingSubscriptionPayload:
            subscription = await _service(info).start_subscription(
                caller(info), input.customer_id, input.plan_name, input.start_date, input.end_date
            )
            return StartStreamingSubscriptionPayload(
                subscription=await _subscription(info, subscription.subscription_id)
            )

        return await run_mutation(StartStreamingSubscriptionPayload, action)

    @strawberry.mutation(description="End a streaming plan (the customer, or their store's staff).")
    async def cancel_streaming_subscription(
        self, info: Info, input: CancelStreamingSubscriptionInput
    ) -> CancelStreamingSubscriptionPayload:
        async def action() -> CancelStreamingSubscriptionPayload:
            subscription = await _service(info).cancel_subscription(
                caller(info), input.subscription_id, input.end_date
            )
            return CancelStreamingSubscriptionPayload(
                subscription=await _subscription(info, subscription.subscription_id)
            )

        return await run_mutation(CancelStreamingSubscriptionPayload, action)
