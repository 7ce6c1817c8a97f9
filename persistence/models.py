"""SQLAlchemy models of the schema that the Alembic revisions create.

The migrations are the source of truth; `tests/test_model_drift.py` fails when these models and
the migrated database disagree. Repositories read through these tables with Core statements and
return domain dataclasses, never ORM instances.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import (
    ARRAY,
    BYTEA,
    CHAR,
    DOMAIN,
    ENUM,
    JSONB,
    TIMESTAMP,
    TSVECTOR,
    UUID,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TIMESTAMPTZ = TIMESTAMP(timezone=True)
MPAA_RATING = ENUM("G", "PG", "PG-13", "R", "NC-17", name="mpaa_rating", create_type=False)
YEAR = DOMAIN(
    "year",
    Integer(),
    check="VALUE >= 1901 AND VALUE <= 2155",
    constraint_name="year_check",
    create_type=False,
)


def _fk(target: str) -> ForeignKey:
    """Pagila's usual foreign key: follow key updates, refuse deleting a referenced row."""
    return ForeignKey(target, onupdate="CASCADE", ondelete="RESTRICT")


class Base(DeclarativeBase):
    pass


def _last_update() -> Mapped[dt.datetime]:
    return mapped_column(TIMESTAMPTZ, nullable=False, server_default=func.now())


class Actor(Base):
    __tablename__ = "actor"
    __table_args__ = (
        Index("idx_actor_last_name", "last_name"),
        # trigram index on the full name (migration 0010): the agents' linking of names
        Index(
            "idx_actor_name_trgm",
            text("(first_name || ' ' || last_name) gin_trgm_ops"),
            postgresql_using="gin",
        ),
    )

    actor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(Text, nullable=False)
    last_name: Mapped[str] = mapped_column(Text, nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Category(Base):
    __tablename__ = "category"

    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Language(Base):
    __tablename__ = "language"

    language_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(CHAR(20), nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Film(Base):
    __tablename__ = "film"
    __table_args__ = (
        Index("film_fulltext_idx", "fulltext", postgresql_using="gist"),
        Index("idx_fk_language_id", "language_id"),
        Index("idx_fk_original_language_id", "original_language_id"),
        Index("idx_title", "title"),
        Index(
            "idx_film_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
    )

    film_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    release_year: Mapped[int | None] = mapped_column(YEAR)
    language_id: Mapped[int] = mapped_column(_fk("language.language_id"), nullable=False)
    original_language_id: Mapped[int | None] = mapped_column(_fk("language.language_id"))
    rental_duration: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, server_default=text("3")
    )
    rental_rate: Mapped[Decimal] = mapped_column(
        Numeric(4, 2), nullable=False, server_default=text("4.99")
    )
    length: Mapped[int | None] = mapped_column(SmallInteger)
    replacement_cost: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False, server_default=text("19.99")
    )
    rating: Mapped[str | None] = mapped_column(MPAA_RATING, server_default=text("'G'"))
    last_update: Mapped[dt.datetime] = _last_update()
    special_features: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    fulltext: Mapped[str] = mapped_column(TSVECTOR, nullable=False)
    streaming_available: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )


class FilmActor(Base):
    __tablename__ = "film_actor"
    __table_args__ = (Index("idx_fk_film_id", "film_id"),)

    actor_id: Mapped[int] = mapped_column(_fk("actor.actor_id"), primary_key=True)
    film_id: Mapped[int] = mapped_column(_fk("film.film_id"), primary_key=True)
    last_update: Mapped[dt.datetime] = _last_update()


class FilmCategory(Base):
    __tablename__ = "film_category"
    __table_args__ = (Index("idx_film_category_category_id", "category_id", "film_id"),)

    film_id: Mapped[int] = mapped_column(_fk("film.film_id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(_fk("category.category_id"), primary_key=True)
    last_update: Mapped[dt.datetime] = _last_update()


class Country(Base):
    __tablename__ = "country"

    country_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(Text, nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class City(Base):
    __tablename__ = "city"
    __table_args__ = (Index("idx_fk_country_id", "country_id"),)

    city_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(Text, nullable=False)
    country_id: Mapped[int] = mapped_column(_fk("country.country_id"), nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Address(Base):
    __tablename__ = "address"
    __table_args__ = (Index("idx_fk_city_id", "city_id"),)

    address_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(Text, nullable=False)
    address2: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str] = mapped_column(Text, nullable=False)
    city_id: Mapped[int] = mapped_column(_fk("city.city_id"), nullable=False)
    postal_code: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text, nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Store(Base):
    __tablename__ = "store"
    __table_args__ = (Index("idx_unq_manager_staff_id", "manager_staff_id", unique=True),)

    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Upstream Pagila has no foreign key here (staff and store reference each other).
    manager_staff_id: Mapped[int] = mapped_column(Integer, nullable=False)
    address_id: Mapped[int] = mapped_column(_fk("address.address_id"), nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (Index("idx_staff_store_id", "store_id", "staff_id"),)

    staff_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(Text, nullable=False)
    last_name: Mapped[str] = mapped_column(Text, nullable=False)
    address_id: Mapped[int] = mapped_column(_fk("address.address_id"), nullable=False)
    email: Mapped[str | None] = mapped_column(Text)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.store_id"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    username: Mapped[str] = mapped_column(Text, nullable=False)
    password: Mapped[str | None] = mapped_column(Text)
    last_update: Mapped[dt.datetime] = _last_update()
    picture: Mapped[bytes | None] = mapped_column(LargeBinary)


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (
        Index("idx_fk_address_id", "address_id"),
        Index("idx_fk_store_id", "store_id"),
        Index("idx_last_name", "last_name"),
    )

    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(_fk("store.store_id"), nullable=False)
    first_name: Mapped[str] = mapped_column(Text, nullable=False)
    last_name: Mapped[str] = mapped_column(Text, nullable=False)
    email: Mapped[str | None] = mapped_column(Text)
    address_id: Mapped[int] = mapped_column(_fk("address.address_id"), nullable=False)
    activebool: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    create_date: Mapped[dt.date] = mapped_column(
        Date, nullable=False, server_default=text("CURRENT_DATE")
    )
    last_update: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    active: Mapped[int | None] = mapped_column(Integer)


class Inventory(Base):
    __tablename__ = "inventory"
    __table_args__ = (
        Index("idx_store_id_film_id", "store_id", "film_id"),
        # a film's / a store's copies in page order (migration 0012)
        Index(
            "idx_inventory_film_id",
            "film_id",
            "inventory_id",
            postgresql_include=["store_id", "last_update"],
        ),
        Index(
            "idx_inventory_store_id",
            "store_id",
            "inventory_id",
            postgresql_include=["film_id", "last_update"],
        ),
    )

    inventory_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    film_id: Mapped[int] = mapped_column(_fk("film.film_id"), nullable=False)
    store_id: Mapped[int] = mapped_column(_fk("store.store_id"), nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Rental(Base):
    __tablename__ = "rental"
    __table_args__ = (
        Index("idx_fk_inventory_id", "inventory_id"),
        # a customer's rentals, newest first (migration 0012)
        Index("idx_rental_customer_id", "customer_id", "rental_date", "rental_id"),
        Index("idx_rental_customer_id_rental_id", "customer_id", "rental_id"),
        Index(
            "idx_unq_rental_rental_date_inventory_id_customer_id",
            "rental_date",
            "inventory_id",
            "customer_id",
            unique=True,
        ),
        # At most one open rental per copy (migration 0006, decision 0030).
        Index(
            "idx_unq_rental_open_inventory_id",
            "inventory_id",
            unique=True,
            postgresql_where=text("return_date IS NULL"),
        ),
    )

    rental_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rental_date: Mapped[dt.datetime] = mapped_column(TIMESTAMPTZ, nullable=False)
    inventory_id: Mapped[int] = mapped_column(_fk("inventory.inventory_id"), nullable=False)
    customer_id: Mapped[int] = mapped_column(_fk("customer.customer_id"), nullable=False)
    return_date: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)
    staff_id: Mapped[int] = mapped_column(_fk("staff.staff_id"), nullable=False)
    last_update: Mapped[dt.datetime] = _last_update()


class Payment(Base):
    """The partitioned parent (by payment_date). Upstream gives it no foreign keys."""

    __tablename__ = "payment"
    __table_args__ = (
        # the per-parent lists' join keys in page order (migration 0012)
        Index("idx_payment_rental_id", "rental_id"),
        Index("idx_payment_customer_id", "customer_id", "payment_date", "payment_id"),
        Index("idx_payment_payment_id", "payment_id"),
        {"postgresql_partition_by": "RANGE (payment_date)"},
    )

    payment_date: Mapped[dt.datetime] = mapped_column(TIMESTAMPTZ, primary_key=True)
    payment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, nullable=False)
    staff_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rental_id: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)


class StreamingSubscription(Base):
    __tablename__ = "streaming_subscription"
    __table_args__ = (
        Index("idx_streaming_subscription_customer_id", "customer_id"),
        CheckConstraint(
            "end_date IS NULL OR end_date > start_date", name="streaming_subscription_dates_check"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.customer_id", ondelete="CASCADE"), nullable=False
    )
    plan_name: Mapped[str] = mapped_column(Text, nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class IdempotencyKey(Base):
    """The first result of a retried mutation (migration 0006, decision 0031)."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        Index("idx_idempotency_key_created_at", "created_at"),
        CheckConstraint("length(key) BETWEEN 1 AND 255", name="idempotency_key_key_check"),
    )

    principal: Mapped[str] = mapped_column(Text, primary_key=True)
    operation: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[str] = mapped_column(Text, nullable=False)
    result: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.now()
    )


class AppUser(Base):
    """A sign-in (migration 0007): e-mail, argon2id hash, role, and the customer or staff row it
    is. The checks keep role and linked row consistent."""

    __tablename__ = "app_user"
    __table_args__ = (
        Index("idx_app_user_email", func.lower(text("email")), unique=True),
        Index("idx_app_user_customer_id", "customer_id", unique=True),
        Index("idx_app_user_staff_id", "staff_id", unique=True),
        CheckConstraint(
            "role IN ('customer', 'staff', 'manager', 'admin')", name="app_user_role_check"
        ),
        CheckConstraint(
            "(role = 'customer' AND customer_id IS NOT NULL AND staff_id IS NULL)"
            " OR (role <> 'customer' AND staff_id IS NOT NULL AND customer_id IS NULL)",
            name="app_user_person_check",
        ),
        CheckConstraint(
            "length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1",
            name="app_user_email_check",
        ),
    )

    user_id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(Text, nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.customer_id", onupdate="CASCADE", ondelete="CASCADE")
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.staff_id", onupdate="CASCADE", ondelete="CASCADE")
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.now()
    )
    last_login_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)


class RefreshToken(Base):
    """A refresh token, by its SHA-256 only (migration 0007); rotations share `family_id`."""

    __tablename__ = "refresh_token"
    __table_args__ = (
        Index("idx_refresh_token_hash", "token_hash", unique=True),
        Index("idx_refresh_token_family_id", "family_id"),
        Index("idx_refresh_token_user_id", "user_id"),
        CheckConstraint("octet_length(token_hash) = 32", name="refresh_token_hash_check"),
    )

    token_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.user_id", ondelete="CASCADE"), nullable=False
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    issued_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.now()
    )
    expires_at: Mapped[dt.datetime] = mapped_column(TIMESTAMPTZ, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)


class FilmPoster(Base):
    """A film's poster image (migration 0011, decision 0115)."""

    __tablename__ = "film_poster"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('image/png', 'image/jpeg', 'image/webp')",
            name="film_poster_content_type_check",
        ),
    )

    film_id: Mapped[int] = mapped_column(
        ForeignKey("film.film_id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[bytes] = mapped_column(BYTEA, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.now()
    )


class Conversation(Base):
    """An agent conversation (migration 0008): its owner and title."""

    __tablename__ = "conversation"
    __table_args__ = (
        Index("idx_conversation_customer_id", "customer_id"),
        Index("idx_conversation_user_id", "user_id"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="conversation_title_check"),
    )

    conversation_id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.customer_id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.now()
    )


class Message(Base):
    """One question or answer of a conversation (migration 0008)."""

    __tablename__ = "message"
    __table_args__ = (
        Index("idx_message_conversation_id", "conversation_id", "message_id"),
        CheckConstraint("role IN ('user', 'assistant')", name="message_role_check"),
    )

    message_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.conversation_id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str] = mapped_column(Text, nullable=False)
    agent: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    steps: Mapped[list[object]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    prompt_tokens: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.now()
    )
