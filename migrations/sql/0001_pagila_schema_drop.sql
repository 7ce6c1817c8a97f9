-- Reverse of 0001_pagila_schema.sql: drops exactly the objects it created.
DROP MATERIALIZED VIEW IF EXISTS public.rental_by_category;
DROP VIEW IF EXISTS public.actor_info, public.customer_list, public.film_list,
    public.nicer_but_slower_film_list, public.sales_by_film_category, public.sales_by_store,
    public.staff_list;
DROP FUNCTION IF EXISTS public.rewards_report(integer, numeric);
DROP FUNCTION IF EXISTS public.film_in_stock(integer, integer);
DROP FUNCTION IF EXISTS public.film_not_in_stock(integer, integer);
DROP FUNCTION IF EXISTS public.get_customer_balance(integer, timestamp with time zone);
DROP FUNCTION IF EXISTS public.inventory_held_by_customer(integer);
DROP FUNCTION IF EXISTS public.inventory_in_stock(integer);
DROP FUNCTION IF EXISTS public.last_day(timestamp with time zone);
DROP AGGREGATE IF EXISTS public.group_concat(text);
DROP FUNCTION IF EXISTS public._group_concat(text, text);
DROP TABLE IF EXISTS public.payment, public.rental, public.inventory, public.film_category,
    public.film_actor, public.film, public.language, public.category, public.actor,
    public.customer, public.staff, public.store, public.address, public.city, public.country
    CASCADE;
DROP FUNCTION IF EXISTS public.last_updated();
DROP SEQUENCE IF EXISTS public.actor_actor_id_seq, public.address_address_id_seq,
    public.category_category_id_seq, public.city_city_id_seq, public.country_country_id_seq,
    public.customer_customer_id_seq, public.film_film_id_seq, public.inventory_inventory_id_seq,
    public.language_language_id_seq, public.payment_payment_id_seq, public.rental_rental_id_seq,
    public.staff_staff_id_seq, public.store_store_id_seq;
DROP TYPE IF EXISTS public.mpaa_rating;
DROP DOMAIN IF EXISTS public.year;
DROP DOMAIN IF EXISTS public."bıgınt";
