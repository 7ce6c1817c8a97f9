"""Rentals and payments integrity (issue 5: open-rental uniqueness, idempotency keys).

* `idx_unq_rental_open_inventory_id`: at most one open (unreturned) rental per inventory copy,
  the database-level guarantee that two customers never hold the same copy (decision 0030).
* `idempotency_key`: the first result of a retried `rentFilm` / `recordPayment` (decision 0031).
* `payment_default`: a DEFAULT partition of `payment`, so that payments dated outside the
  2022-01..07 partitions upstream Pagila ships (every payment recorded today) have a home; it
  carries the same foreign keys and indexes as the upstream partitions (decision 0032).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from migrations.sqlfile import execute_script

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE UNIQUE INDEX idx_unq_rental_open_inventory_id
    ON public.rental (inventory_id) WHERE return_date IS NULL;

CREATE TABLE public.idempotency_key (
    principal text NOT NULL,
    operation text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    result jsonb,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_key_pkey PRIMARY KEY (principal, operation, key),
    CONSTRAINT idempotency_key_key_check CHECK (length(key) BETWEEN 1 AND 255)
);
CREATE INDEX idx_idempotency_key_created_at ON public.idempotency_key (created_at);

CREATE TABLE public.payment_default PARTITION OF public.payment DEFAULT;
ALTER TABLE public.payment_default
    ADD CONSTRAINT payment_default_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES public.customer(customer_id),
    ADD CONSTRAINT payment_default_rental_id_fkey
        FOREIGN KEY (rental_id) REFERENCES public.rental(rental_id),
    ADD CONSTRAINT payment_default_staff_id_fkey
        FOREIGN KEY (staff_id) REFERENCES public.staff(staff_id);
CREATE INDEX idx_fk_payment_default_customer_id ON public.payment_default (customer_id);
CREATE INDEX idx_fk_payment_default_staff_id ON public.payment_default (staff_id);
"""

DOWNGRADE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.payment_default) THEN
        RAISE EXCEPTION 'payment_default holds payments; move them to a range partition first';
    END IF;
END
$$;
DROP TABLE public.payment_default;
DROP TABLE public.idempotency_key;
DROP INDEX public.idx_unq_rental_open_inventory_id;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
