"""Indexes for every per-parent list's join key, ordered as the list is paged (issue 12 item 4).

Pagila has no index on rental(customer_id), inventory(film_id) or film_category(category_id),
none on inventory(store_id) in the order a store's copies are paged,
and its per-partition payment(customer_id) indexes miss the later partitions, so a customer's
rentals or payments, a film's copies and a category's films were read by scanning the table
(once per parent in a LATERAL page). Each index below leads with the join key and continues
with the list's keyset order, so one parent's page is one ordered index range, and the
`GROUP BY parent` counts read the same index. payment(rental_id) has its index since 0004
(a rental has one payment or two: a sort of them costs nothing). Decision 0140.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (name, table, columns). An index on the partitioned `payment` cascades to every partition,
#: present and future.
INDEXES: list[tuple[str, str, list[str]]] = [
    # a film's / a store's copies, covering (INCLUDE the other two columns): an index-only
    # range per parent. Without covering, the planner walks inventory's primary key (which
    # follows the heap) filtering on store_id, thousands of rows for a store without copies.
    ("idx_inventory_film_id", "inventory", ["film_id", "inventory_id"]),
    ("idx_inventory_store_id", "inventory", ["store_id", "inventory_id"]),
    ("idx_rental_customer_id", "rental", ["customer_id", "rental_date", "rental_id"]),
    # a customer's rentals by id: without it the planner walks the primary key backwards,
    # dropping ~3,700 other customers' rentals per customer for a page of 5
    ("idx_rental_customer_id_rental_id", "rental", ["customer_id", "rental_id"]),
    ("idx_payment_customer_id", "payment", ["customer_id", "payment_date", "payment_id"]),
    ("idx_film_category_category_id", "film_category", ["category_id", "film_id"]),
    ("idx_staff_store_id", "staff", ["store_id", "staff_id"]),
]

INVENTORY_COLUMNS = ("inventory_id", "film_id", "store_id", "last_update")


def upgrade() -> None:
    for name, table, columns in INDEXES:
        include = [c for c in INVENTORY_COLUMNS if c not in columns] if table == "inventory" else []
        op.create_index(name, table, columns, postgresql_include=include)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
