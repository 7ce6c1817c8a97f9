"""CSV exports of the reports: the CSV equals the answer of SQL written here against Pagila's
tables, for several periods and stores; refusals follow the permission matrix's report rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import asyncpg
import httpx
import pytest

from config.settings import Settings
from domain.auth import Principal, Role
from graph.permissions import MATRIX, Case
from tests.live.support import ADMIN, token
from tests.permissions.world import OWN_STORE, make_world

PERIODS = [
    (None, None),
    ("2022-02-01T00:00:00+00:00", "2022-04-01T00:00:00+00:00"),
    ("2022-06-15T12:30:00+02:00", None),
    (None, "2022-03-01T00:00:00Z"),
]
STORES = [None, 1, 2]


def params(period: tuple[str | None, str | None], store: int | None) -> dict[str, str]:
    found = {"from": period[0], "to": period[1], "storeId": None if store is None else str(store)}
    return {k: v for k, v in found.items() if v is not None}


def bounds(period: tuple[str | None, str | None]) -> tuple[dt.datetime | None, dt.datetime | None]:
    def parse(value: str | None) -> dt.datetime | None:
        return None if value is None else dt.datetime.fromisoformat(value)

    return parse(period[0]), parse(period[1])


async def export(
    http: httpx.AsyncClient, settings: Settings, name: str, query: dict[str, str], who: Principal
) -> list[list[str]]:
    response = await http.get(
        f"/exports/{name}.csv",
        params=query,
        headers={"authorization": f"Bearer {token(settings, who)}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


def money(value: Decimal) -> str:
    return str(value)


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("period", PERIODS)
async def test_sales_csvs_match_sql(
    period: tuple[str | None, str | None],
    store: int | None,
    files_http: httpx.AsyncClient,
    files_settings: Settings,
    files_sql: asyncpg.Connection,
) -> None:
    start, end = bounds(period)
    sales = """
        FROM payment p JOIN rental r ON r.rental_id = p.rental_id
        JOIN inventory i ON i.inventory_id = r.inventory_id
        WHERE ($1::timestamptz IS NULL OR p.payment_date >= $1)
          AND ($2::timestamptz IS NULL OR p.payment_date < $2)
          AND ($3::int IS NULL OR i.store_id = $3)"""
    by_category = await files_sql.fetch(
        f"""SELECT c.category_id, c.name, sum(p.amount) AS total, count(*) AS n {
            sales.replace(
                "WHERE",
                "JOIN film_category fc ON fc.film_id = i.film_id "
                "JOIN category c ON c.category_id = fc.category_id WHERE",
            )
        }
            GROUP BY c.category_id, c.name ORDER BY total DESC, c.name, c.category_id""",
        start,
        end,
        store,
    )
    assert by_category or period != (None, None), "no sales at all: the test proves nothing"
    rows = await export(
        files_http, files_settings, "sales-by-film-category", params(period, store), ADMIN
    )
    assert rows[0] == ["category_id", "category", "total_sales", "payments"]
    assert rows[1:] == [
        [str(r["category_id"]), r["name"], money(r["total"]), str(r["n"])] for r in by_category
    ]

    by_store = await files_sql.fetch(
        f"SELECT i.store_id, sum(p.amount) AS total, count(*) AS n {sales} GROUP BY i.store_id",
        start,
        end,
        store,
    )
    rows = await export(files_http, files_settings, "sales-by-store", params(period, store), ADMIN)
    assert rows[0][0] == "store_id" and rows[0][-2:] == ["total_sales", "payments"]
    got = {int(r[0]): (r[-2], r[-1]) for r in rows[1:]}
    assert got == {r["store_id"]: (money(r["total"]), str(r["n"])) for r in by_store}


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("period", PERIODS[:2])
async def test_rentals_csv_matches_sql_over_many_batches(
    period: tuple[str | None, str | None],
    store: int | None,
    files_http: httpx.AsyncClient,
    files_settings: Settings,
    files_sql: asyncpg.Connection,
) -> None:
    start, end = bounds(period)
    expected = await files_sql.fetch(
        """SELECT r.rental_id, r.rental_date, r.return_date, i.store_id, i.inventory_id,
                  f.film_id, f.title, r.customer_id, r.staff_id
           FROM rental r JOIN inventory i ON i.inventory_id = r.inventory_id
           JOIN film f ON f.film_id = i.film_id
           WHERE ($1::timestamptz IS NULL OR r.rental_date >= $1)
             AND ($2::timestamptz IS NULL OR r.rental_date < $2)
             AND ($3::int IS NULL OR i.store_id = $3)
           ORDER BY r.rental_id""",
        start,
        end,
        store,
    )
    rows = await export(files_http, files_settings, "rentals", params(period, store), ADMIN)
    assert rows[0][0] == "rental_id"
    assert rows[1:] == [
        [
            "" if v is None else v.isoformat() if isinstance(v, dt.datetime) else str(v)
            for v in row.values()
        ]
        for row in expected
    ]
    if period == (None, None):
        assert len(rows) > 2001  # more than two batches were streamed


STATUS = {None: 200, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403}


@pytest.mark.parametrize("name", ["sales-by-store", "sales-by-film-category", "rentals"])
async def test_exports_follow_the_report_rule_of_the_matrix(
    name: str,
    files_http: httpx.AsyncClient,
    files_settings: Settings,
    files_sql: asyncpg.Connection,
) -> None:
    world = await make_world(files_sql)
    rule = MATRIX["Query.salesByStore"]
    for case in Case:
        caller = world.caller(case)
        headers = {}
        if caller is not None:
            who = Principal(
                user_id=int(str(caller["user_id"])),
                role=Role(str(caller["role"])),
                customer_id=caller.get("customer_id"),  # type: ignore[arg-type]
                staff_id=caller.get("staff_id"),  # type: ignore[arg-type]
                store_id=caller.get("store_id"),  # type: ignore[arg-type]
            )
            headers = {"authorization": f"Bearer {token(files_settings, who)}"}
        response = await files_http.get(
            f"/exports/{name}.csv",
            params={"storeId": str(OWN_STORE), "from": "2022-05-01T00:00:00Z"},
            headers=headers,
        )
        expected = rule.expected(case)
        assert response.status_code == STATUS[expected], (case, response.text)
        if expected is not None:
            assert response.json()["errors"][0]["extensions"]["code"] == expected


@pytest.mark.parametrize(
    ("path", "query", "status", "code"),
    [
        ("/exports/rentals.csv", {"from": "yesterday"}, 400, "INVALID_INPUT"),
        ("/exports/rentals.csv", {"from": "2022-05-01T00:00:00"}, 400, "INVALID_INPUT"),
        (
            "/exports/rentals.csv",
            {"from": "2022-05-02T00:00:00Z", "to": "2022-05-01T00:00:00Z"},
            400,
            "INVALID_INPUT",
        ),
        ("/exports/sales-by-store.csv", {"storeId": "-3"}, 400, "INVALID_INPUT"),
        ("/exports/sales-by-store.csv", {"storeId": "1; DROP"}, 400, "INVALID_INPUT"),
        ("/exports/nothing.csv", {}, 404, "NOT_FOUND"),
    ],
)
async def test_bad_export_requests_get_typed_errors(
    *,
    path: str,
    query: dict[str, str],
    status: int,
    code: str,
    files_http: httpx.AsyncClient,
    files_settings: Settings,
) -> None:
    response = await files_http.get(
        path, params=query, headers={"authorization": f"Bearer {token(files_settings, ADMIN)}"}
    )
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code
