"""Catalogue and customer rules with in-memory fakes: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.auth import ANONYMOUS, Principal, Role
from domain.catalogue.admin import CatalogueAdminService, CopyRecord, FilmChanges, FilmDraft
from domain.catalogue.films import MpaaRating
from domain.customers.admin import (
    AddressDraft,
    CustomerAdminService,
    CustomerChanges,
    CustomerDraft,
)
from domain.errors import (
    Conflict,
    CustomerInactive,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from tests.unit.fake_admin import FakeAdminUoW, Shop

CLERK = Principal(role=Role.STAFF, staff_id=1, store_id=1)
TODAY = dt.date(2026, 3, 1)
DAY = dt.timedelta(days=1)
HOME = AddressDraft("1 Main St", "Nova Scotia", "Halifax", "Canada", "555")


def catalogue(shop: Shop) -> tuple[CatalogueAdminService, FakeAdminUoW]:
    uow = FakeAdminUoW(shop)
    return CatalogueAdminService(uow), uow


def customers(shop: Shop) -> tuple[CustomerAdminService, FakeAdminUoW]:
    uow = FakeAdminUoW(shop)
    return CustomerAdminService(uow, today=lambda: TODAY), uow


async def test_create_film_trims_and_defaults() -> None:
    shop = Shop()
    svc, uow = catalogue(shop)
    film = await svc.create_film(
        CLERK, FilmDraft(title="  DUNE ", language_id=1, special_features=("Trailers", "Trailers"))
    )
    assert (film.title, film.rental_rate, film.rating) == ("DUNE", Decimal("4.99"), MpaaRating.G)
    assert film.special_features == ("Trailers",)
    assert shop.films[film.id] == film and uow.commits == 1


async def test_film_validation_collects_every_problem() -> None:
    svc, _ = catalogue(Shop())
    with pytest.raises(ValidationFailed) as failed:
        await svc.create_film(
            CLERK,
            FilmDraft(
                title="",
                language_id=0,
                rental_duration=0,
                rental_rate=Decimal("100.00"),
                replacement_cost=Decimal("0.005"),
                special_features=("Bloopers",),
            ),
        )
    assert [p.field for p in failed.value.problems] == [
        "title",
        "language_id",
        "rental_duration",
        "rental_rate",
        "replacement_cost",
        "special_features[0]",
    ]


async def test_update_keeps_what_is_left_out_and_refuses_clearing_required() -> None:
    shop = Shop()
    svc, _ = catalogue(shop)
    film = await svc.create_film(CLERK, FilmDraft(title="A", language_id=1, length=90))
    updated = await svc.update_film(CLERK, film.id, FilmChanges(length=None, rating=None))
    assert (updated.title, updated.length, updated.rating) == ("A", None, None)
    with pytest.raises(InvalidInput) as refused:
        await svc.update_film(CLERK, film.id, FilmChanges(title=None))  # type: ignore[arg-type]
    assert refused.value.field == "title"
    with pytest.raises(NotFound):
        await svc.update_film(CLERK, film.id, FilmChanges(language_id=9))


async def test_delete_film_rules() -> None:
    shop = Shop()
    svc, _ = catalogue(shop)
    film = await svc.create_film(CLERK, FilmDraft(title="A", language_id=1))
    copy = await svc.add_inventory(CLERK, film.id, 1)
    shop.rented_out.add(copy.inventory_id)
    shop.ever_rented.add(copy.inventory_id)
    with pytest.raises(Conflict, match="rented out"):
        await svc.delete_film(CLERK, film.id)
    shop.rented_out.clear()
    with pytest.raises(Conflict, match="history"):
        await svc.delete_film(CLERK, film.id)
    shop.ever_rented.clear()
    assert await svc.delete_film(CLERK, film.id) == film.id
    assert shop.films == {} and shop.copies == {}


async def test_copies_belong_to_their_store() -> None:
    shop = Shop()
    svc, _ = catalogue(shop)
    film = await svc.create_film(CLERK, FilmDraft(title="A", language_id=1))
    with pytest.raises(PermissionDenied):
        await svc.add_inventory(CLERK, film.id, 2)
    shop.copies[50] = CopyRecord(50, film.id, 2)
    with pytest.raises(PermissionDenied):
        await svc.remove_inventory(CLERK, 50)
    copy = await svc.add_inventory(CLERK, film.id, 1)
    shop.rented_out.add(copy.inventory_id)
    with pytest.raises(Conflict):
        await svc.remove_inventory(CLERK, copy.inventory_id)
    assert copy.inventory_id in shop.copies


async def test_categories_unique_and_deletable_only_when_unused() -> None:
    shop = Shop()
    svc, _ = catalogue(shop)
    drama = await svc.create_category(CLERK, "Drama")
    with pytest.raises(Conflict):
        await svc.create_category(CLERK, " drama ")
    film = await svc.create_film(CLERK, FilmDraft(title="A", language_id=1))
    await svc.set_film_categories(CLERK, film.id, [drama.category_id])
    with pytest.raises(Conflict):
        await svc.delete_category(CLERK, drama.category_id)
    with pytest.raises(NotFound) as missing:
        await svc.set_film_actors(CLERK, film.id, [1, 7])
    assert missing.value.field == "actor_ids[1]"


async def test_catalogue_writes_need_staff() -> None:
    svc, _ = catalogue(Shop())
    with pytest.raises(Unauthenticated):
        await svc.create_category(ANONYMOUS, "X")
    with pytest.raises(PermissionDenied):
        await svc.create_category(Principal(role=Role.CUSTOMER, customer_id=1), "X")


async def test_customer_sign_up_finds_or_adds_the_city() -> None:
    shop = Shop()
    svc, _ = customers(shop)
    ada = await svc.create_customer(CLERK, CustomerDraft(1, "Ada", "L", HOME))
    grace = await svc.create_customer(
        CLERK, CustomerDraft(1, "Grace", "H", AddressDraft("2 St", "NS", "Truro", "canada", "5"))
    )
    assert ada.active and len(shop.cities) == 2 and len(shop.addresses) == 2
    assert grace.address_id != ada.address_id
    with pytest.raises(NotFound) as nowhere:
        await svc.create_customer(
            CLERK, CustomerDraft(1, "X", "Y", AddressDraft("a", "b", "c", "Atlantis", "d"))
        )
    assert nowhere.value.field == "address.country"


async def test_customer_self_service_and_deactivation() -> None:
    shop = Shop()
    svc, _ = customers(shop)
    ada = await svc.create_customer(CLERK, CustomerDraft(1, "Ada", "L", HOME, "a@b.org"))
    me = Principal(role=Role.CUSTOMER, customer_id=ada.customer_id)
    renamed = await svc.update_customer(me, ada.customer_id, CustomerChanges(email=None))
    assert renamed.email is None and renamed.first_name == "Ada"
    with pytest.raises(PermissionDenied):
        await svc.update_customer(me, ada.customer_id, CustomerChanges(store_id=2))
    with pytest.raises(PermissionDenied):
        await svc.deactivate_customer(me, ada.customer_id)
    assert not (await svc.deactivate_customer(CLERK, ada.customer_id)).active
    with pytest.raises(CustomerInactive):
        await svc.start_subscription(me, ada.customer_id, "Basic")


async def test_subscriptions_do_not_overlap() -> None:
    shop = Shop()
    svc, _ = customers(shop)
    ada = await svc.create_customer(CLERK, CustomerDraft(1, "Ada", "L", HOME))
    me = Principal(role=Role.CUSTOMER, customer_id=ada.customer_id)
    first = await svc.start_subscription(me, ada.customer_id, "Basic", TODAY, TODAY + 10 * DAY)
    with pytest.raises(Conflict):
        await svc.start_subscription(me, ada.customer_id, "Basic", TODAY + 9 * DAY)
    with pytest.raises(InvalidInput) as backwards:
        await svc.start_subscription(me, ada.customer_id, "Basic", TODAY, TODAY)
    assert backwards.value.field == "end_date"
    # back to back is no overlap: end dates are exclusive
    await svc.start_subscription(me, ada.customer_id, "Plus", TODAY + 10 * DAY)
    cancelled = await svc.cancel_subscription(me, first.subscription_id)
    assert cancelled.end_date == TODAY + DAY
    with pytest.raises(InvalidInput):
        await svc.cancel_subscription(me, first.subscription_id, TODAY - DAY)
    other = Principal(role=Role.CUSTOMER, customer_id=999)
    with pytest.raises(PermissionDenied):
        await svc.cancel_subscription(other, first.subscription_id)
