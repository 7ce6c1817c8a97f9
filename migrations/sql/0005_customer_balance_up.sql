-- get_customer_balance with the rules its own header states (upstream's body calls MySQL's IF()
-- and fails on PostgreSQL, and never charged the replacement cost). As of p_effective_date:
--   1) the rental rate of every rental made on or before that date,
--   2) 1.00 per started day a rental was (or still is) kept past its rental_duration,
--   3) instead of (2), the film's replacement_cost once it is more than 2 × rental_duration
--      days overdue,
--   4) minus every payment made on or before that date.
-- domain/rentals/billing.py states the same rule in Python; a property test keeps the two equal.
CREATE OR REPLACE FUNCTION public.get_customer_balance(
    p_customer_id integer, p_effective_date timestamp with time zone
) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$
    SELECT COALESCE((
        SELECT sum(f.rental_rate + CASE
                WHEN late.days > 2 * f.rental_duration THEN f.replacement_cost
                WHEN late.days > 0 THEN late.days * 1.00
                ELSE 0
            END)
        FROM public.rental r
        JOIN public.inventory i ON i.inventory_id = r.inventory_id
        JOIN public.film f ON f.film_id = i.film_id
        CROSS JOIN LATERAL (
            SELECT ceil(extract(epoch FROM (
                LEAST(COALESCE(r.return_date, p_effective_date), p_effective_date)
                - r.rental_date - f.rental_duration * interval '1 day'
            )) / 86400.0)::integer AS days
        ) late
        WHERE r.customer_id = p_customer_id AND r.rental_date <= p_effective_date
    ), 0) - COALESCE((
        SELECT sum(p.amount)
        FROM public.payment p
        WHERE p.customer_id = p_customer_id AND p.payment_date <= p_effective_date
    ), 0)
$$;
