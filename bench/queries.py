"""The benchmark's query pairs: the same data asked of pagila-graph and of PostGraphile.

Lists inside a node are compared as sets (each server has its own default order there), and
strings are compared trimmed (`language.name` is char(20): PostGraphile returns the padding, we
trim it in the domain).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import re
import secrets
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import asyncpg


@dataclass(frozen=True)
class BenchQuery:
    name: str
    description: str
    ours: str
    reference: str
    extract_ours: Callable[[Any], Any]
    extract_reference: Callable[[Any], Any]
    auth_headers: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return self.auth_headers

    def prepared(self) -> BenchQuery:
        """The pair as asked (pairs that depend on the benchmark's accounts fill them in)."""
        return self

    def sample(self, url: str, side: str) -> Any | None:
        """One answer to compare, for pairs that are not one document (None: POST `ours` /
        `reference` and extract)."""
        return None

    def measure(
        self, url: str, side: str, duration: int, connections: int
    ) -> tuple[float, float, float] | None:
        """(requests/s, p50 ms, p99 ms) by the pair's own loop (None: wrk on the document)."""
        return None

    @staticmethod
    def server_env() -> dict[str, str]:
        """Extra environment for our server during the benchmark."""
        return {}


def _edges(connection: dict[str, Any]) -> list[Any]:
    return [edge["node"] for edge in connection["edges"]]


def _trim(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {k: _trim(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_trim(v) for v in value]
    return value


def _sorted(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: item[key])


QUERIES: list[BenchQuery] = [
    BenchQuery(
        name="Q1",
        description="20 films + language",
        ours=(
            "{ films(first: 20, orderBy: {field: FILM_ID}) "
            "{ edges { node { filmId title rentalRate language { name } } } } }"
        ),
        reference=(
            "{ allFilms(first: 20, orderBy: FILM_ID_ASC) "
            "{ nodes { filmId title rentalRate languageByLanguageId { name } } } }"
        ),
        extract_ours=lambda body: _trim(_edges(body["data"]["films"])),
        extract_reference=lambda body: _trim(
            [
                {
                    "filmId": f["filmId"],
                    "title": f["title"],
                    "rentalRate": f["rentalRate"],
                    "language": f["languageByLanguageId"],
                }
                for f in body["data"]["allFilms"]["nodes"]
            ]
        ),
    ),
    BenchQuery(
        name="Q2",
        description="20 films x <=10 actors + categories",
        ours=(
            "{ films(first: 20, orderBy: {field: FILM_ID}) { edges { node { filmId title "
            "actors(first: 10) { edges { node { actorId firstName lastName } } } "
            "categories(first: 10) { edges { node { name } } } } } } }"
        ),
        reference=(
            "{ allFilms(first: 20, orderBy: FILM_ID_ASC) { nodes { filmId title "
            "filmActorsByFilmId(first: 10, orderBy: ACTOR_ID_ASC) "
            "{ nodes { actorByActorId { actorId firstName lastName } } } "
            "filmCategoriesByFilmId(first: 10) { nodes { categoryByCategoryId { name } } } } } }"
        ),
        extract_ours=lambda body: [
            {
                "filmId": f["filmId"],
                "title": f["title"],
                "actors": _sorted(_edges(f["actors"]), "actorId"),
                "categories": _sorted(_edges(f["categories"]), "name"),
            }
            for f in _edges(body["data"]["films"])
        ],
        extract_reference=lambda body: [
            {
                "filmId": f["filmId"],
                "title": f["title"],
                "actors": _sorted(
                    [n["actorByActorId"] for n in f["filmActorsByFilmId"]["nodes"]], "actorId"
                ),
                "categories": _sorted(
                    [n["categoryByCategoryId"] for n in f["filmCategoriesByFilmId"]["nodes"]],
                    "name",
                ),
            }
            for f in body["data"]["allFilms"]["nodes"]
        ],
    ),
]


def _nodes(connection: dict[str, Any]) -> list[Any]:
    return list(connection["nodes"])


def _pair(
    name: str, description: str, ours: str, reference: str, same: Callable[[Any], Any]
) -> BenchQuery:
    """A pair whose answers match once each side's `data` is mapped by `same` (a function of
    `(side, data)`, side being "ours" or "reference")."""
    return BenchQuery(
        name,
        description,
        ours,
        reference,
        lambda body: _trim(same(("ours", _data(body)))),
        lambda body: _trim(same(("reference", _data(body)))),
    )


def _data(body: Any) -> Any:
    if body.get("errors"):
        raise SystemExit(f"errors in an answer: {json.dumps(body['errors'])[:600]}")
    return body["data"]


def _film_ids(n: int) -> list[int]:
    return [1 + (i * 97) % 1000 for i in range(n)]


QUERIES += [
    _pair(
        "Q3",
        "filtered film list (rating), 20 nodes",
        "{ films(first: 20, filter: {ratings: [PG_13]}, orderBy: {field: FILM_ID}) "
        "{ nodes { filmId title length } } }",
        "{ allFilms(first: 20, condition: {rating: PG_13}, orderBy: FILM_ID_ASC) "
        "{ nodes { filmId title length } } }",
        lambda d: _nodes(d[1]["films" if d[0] == "ours" else "allFilms"]),
    ),
    _pair(
        "Q4",
        "one actor with 50 of their films",
        "{ actor(actorId: 1) { firstName lastName films(first: 50) { nodes { filmId title } } } }",
        "{ actorByActorId(actorId: 1) { firstName lastName "
        "filmActorsByActorId(first: 50) { nodes { filmByFilmId { filmId title } } } } }",
        lambda d: (
            _sorted(d[1]["actor"]["films"]["nodes"], "filmId")
            if d[0] == "ours"
            else _sorted(
                [n["filmByFilmId"] for n in d[1]["actorByActorId"]["filmActorsByActorId"]["nodes"]],
                "filmId",
            )
        ),
    ),
    _pair(
        "Q5",
        "film detail: actors, categories, language",
        "{ film(filmId: 7) { title description language { name } "
        "actors { nodes { actorId firstName } } categories { nodes { name } } } }",
        "{ filmByFilmId(filmId: 7) { title description languageByLanguageId { name } "
        "filmActorsByFilmId { nodes { actorByActorId { actorId firstName } } } "
        "filmCategoriesByFilmId { nodes { categoryByCategoryId { name } } } } }",
        lambda d: (
            {
                "title": d[1]["film"]["title"],
                "language": d[1]["film"]["language"]["name"],
                "actors": _sorted(d[1]["film"]["actors"]["nodes"], "actorId"),
                "categories": d[1]["film"]["categories"]["nodes"],
            }
            if d[0] == "ours"
            else {
                "title": d[1]["filmByFilmId"]["title"],
                "language": d[1]["filmByFilmId"]["languageByLanguageId"]["name"],
                "actors": _sorted(
                    [
                        n["actorByActorId"]
                        for n in d[1]["filmByFilmId"]["filmActorsByFilmId"]["nodes"]
                    ],
                    "actorId",
                ),
                "categories": [
                    n["categoryByCategoryId"]
                    for n in d[1]["filmByFilmId"]["filmCategoriesByFilmId"]["nodes"]
                ],
            }
        ),
    ),
    _pair(
        "Q6",
        "16 categories, each films { totalCount }",
        "{ categories(first: 16) { nodes { name films { totalCount } } } }",
        "{ allCategories(first: 16, orderBy: NAME_ASC) "
        "{ nodes { name filmCategoriesByCategoryId { totalCount } } } }",
        lambda d: (
            [(c["name"], c["films"]["totalCount"]) for c in d[1]["categories"]["nodes"]]
            if d[0] == "ours"
            else [
                (c["name"], c["filmCategoriesByCategoryId"]["totalCount"])
                for c in d[1]["allCategories"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q7",
        "20 actors, each films { totalCount }",
        "{ actors(first: 20, orderBy: {field: ACTOR_ID}) "
        "{ nodes { actorId films { totalCount } } } }",
        "{ allActors(first: 20, orderBy: ACTOR_ID_ASC) "
        "{ nodes { actorId filmActorsByActorId { totalCount } } } }",
        lambda d: (
            [(a["actorId"], a["films"]["totalCount"]) for a in d[1]["actors"]["nodes"]]
            if d[0] == "ours"
            else [
                (a["actorId"], a["filmActorsByActorId"]["totalCount"])
                for a in d[1]["allActors"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q8",
        "20 films by title, totalCount + language",
        "{ films(first: 20) { totalCount nodes { title language { name } } } }",
        "{ allFilms(first: 20, orderBy: [TITLE_ASC, FILM_ID_ASC]) "
        "{ totalCount nodes { title languageByLanguageId { name } } } }",
        lambda d: (
            (
                d[1]["films"]["totalCount"],
                [(f["title"], f["language"]["name"]) for f in d[1]["films"]["nodes"]],
            )
            if d[0] == "ours"
            else (
                d[1]["allFilms"]["totalCount"],
                [
                    (f["title"], f["languageByLanguageId"]["name"])
                    for f in d[1]["allFilms"]["nodes"]
                ],
            )
        ),
    ),
    _pair(
        "Q9",
        "deep page: 10 films after the 500th (keyset / offset)",
        # our cursor of film 500 in FILM_ID order; PostGraphile pages this list by offset
        '{ films(first: 10, orderBy: {field: FILM_ID}, after: "WyJGSUxNX0lEOkFTQyIsWzUwMF1d") '
        "{ nodes { filmId title } } }",
        "{ allFilms(first: 10, offset: 500, orderBy: FILM_ID_ASC) { nodes { filmId title } } }",
        lambda d: _nodes(d[1]["films" if d[0] == "ours" else "allFilms"]),
    ),
    _pair(
        "Q10",
        "store inventory: 50 copies with their film",
        "{ store(storeId: 1) { inventory(first: 50) { nodes { inventoryId film { title } } } } }",
        "{ storeByStoreId(storeId: 1) { inventoriesByStoreId(first: 50, orderBy: INVENTORY_ID_ASC) "
        "{ nodes { inventoryId filmByFilmId { title } } } } }",
        lambda d: (
            [(i["inventoryId"], i["film"]["title"]) for i in d[1]["store"]["inventory"]["nodes"]]
            if d[0] == "ours"
            else [
                (i["inventoryId"], i["filmByFilmId"]["title"])
                for i in d[1]["storeByStoreId"]["inventoriesByStoreId"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q11",
        "10 film lookups by key (aliases)",
        "{ "
        + " ".join(f"f{i}: film(filmId: {i}) {{ filmId title rentalRate }}" for i in _film_ids(10))
        + " }",
        "{ "
        + " ".join(
            f"f{i}: filmByFilmId(filmId: {i}) {{ filmId title rentalRate }}" for i in _film_ids(10)
        )
        + " }",
        lambda d: d[1],
    ),
    _pair(
        "Q12",
        "stores with address, city, country",
        "{ stores(first: 20) { nodes { storeId "
        "address { address city { city country { country } } } } } }",
        "{ allStores(first: 20, orderBy: STORE_ID_ASC) { nodes { storeId "
        "addressByAddressId { address cityByCityId { city countryByCountryId { country } } } } } }",
        lambda d: (
            [
                (
                    s["storeId"],
                    s["address"]["address"],
                    s["address"]["city"]["city"],
                    s["address"]["city"]["country"]["country"],
                )
                for s in d[1]["stores"]["nodes"]
            ]
            if d[0] == "ours"
            else [
                (
                    s["storeId"],
                    s["addressByAddressId"]["address"],
                    s["addressByAddressId"]["cityByCityId"]["city"],
                    s["addressByAddressId"]["cityByCityId"]["countryByCountryId"]["country"],
                )
                for s in d[1]["allStores"]["nodes"]
            ]
        ),
    ),
    _pair(
        "Q13",
        "languages by name",
        "{ languages { nodes { name } } }",
        "{ allLanguages(orderBy: NAME_ASC) { nodes { name } } }",
        lambda d: _nodes(d[1]["languages" if d[0] == "ours" else "allLanguages"]),
    ),
]


# --- Signed-in callers (issue 12 item 5) -------------------------------------------------------
#
# Our server is asked as real signed-in callers: `prepare_callers` creates three accounts in the
# benchmark's database (an admin, a staff member of store 1, a customer of store 1) and each
# pair's headers carry a bearer token from our own `login` mutation. PostGraphile runs as
# configured by bench/run.py, with no JWT and no row-level security (its reference setup), so
# it answers the equivalent documents without authentication.

STAFF_STORE = 1  # in this data set, the store with staff, customers and copies


@dataclass
class Callers:
    ours_url: str = ""
    database_url: str = ""
    passwords: dict[str, str] = field(default_factory=dict)
    customer_id: int = 0
    staff_id: int = 0


CALLERS = Callers()


def _post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


async def _create_accounts(database_url: str) -> tuple[dict[str, str], int, int]:
    from pagila_graph.security import Argon2PasswordHasher

    hasher = Argon2PasswordHasher(time_cost=1, memory_kib=8192, parallelism=1)
    conn = await asyncpg.connect(database_url)
    try:
        # a customer of the staff member's store with the most rentals: a page with content
        customer_id = await conn.fetchval(
            "SELECT c.customer_id FROM customer c JOIN rental r USING (customer_id) "
            "WHERE c.store_id = $1 GROUP BY c.customer_id ORDER BY count(*) DESC, 1 LIMIT 1",
            STAFF_STORE,
        )
        staff = await conn.fetch(
            "SELECT staff_id FROM staff ORDER BY store_id <> $1, staff_id LIMIT 2", STAFF_STORE
        )
        staff_id, admin_staff_id = staff[0]["staff_id"], staff[1]["staff_id"]
        passwords = {}
        for role, person, customer in (
            ("admin", admin_staff_id, None),
            ("staff", staff_id, None),
            ("customer", None, customer_id),
        ):
            password = secrets.token_urlsafe(16)
            email = f"bench-{role}@example.org"
            await conn.execute(
                "INSERT INTO app_user (email, password_hash, role, customer_id, staff_id) "
                "VALUES ($1, $2, $3, $4, $5)",
                email,
                await hasher.hash(password),
                role,
                customer,
                person,
            )
            passwords[role] = password
        return passwords, int(customer_id), int(staff_id)
    finally:
        await conn.close()


def prepare_callers(database_url: str, ours_url: str) -> None:
    """Accounts for the signed-in pairs (once per benchmark database)."""
    CALLERS.passwords, CALLERS.customer_id, CALLERS.staff_id = asyncio.run(
        _create_accounts(database_url)
    )
    CALLERS.ours_url, CALLERS.database_url = ours_url, database_url


def bearer(role: str) -> dict[str, str]:
    """A fresh access token from our `login` mutation (tokens live 15 minutes)."""
    body = _post(
        CALLERS.ours_url,
        {
            "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, "
            "password: $p}) { errors { message } tokens { accessToken } } }",
            "variables": {"e": f"bench-{role}@example.org", "p": CALLERS.passwords[role]},
        },
    )
    login = body["data"]["login"]
    assert not login["errors"], login
    return {"Authorization": f"Bearer {login['tokens']['accessToken']}"}


@dataclass(frozen=True)
class SignedIn(BenchQuery):
    """A pair whose documents depend on the benchmark's accounts: `ours`/`reference` are
    templates over `{customer}`, filled once the accounts exist, asked as `role` on our side."""

    role: str = "admin"

    def headers(self) -> dict[str, str]:
        return bearer(self.role)

    def prepared(self) -> BenchQuery:
        customer = CALLERS.customer_id
        return replace(
            self,
            ours=self.ours.replace("{customer}", str(customer)),
            reference=self.reference.replace("{customer}", str(customer)),
        )


def _signed_in(
    name: str, description: str, ours: str, reference: str, same: Callable[[Any], Any], *, role: str
) -> SignedIn:
    return _pair_as(SignedIn, _pair(name, description, ours, reference, same), role=role)


Q = TypeVar("Q", bound=BenchQuery)


def _pair_as(kind: type[Q], plain: BenchQuery, **extra: Any) -> Q:
    """`plain` (from `_pair`) as a pair of a subclass, with the subclass's own fields."""
    return kind(
        plain.name,
        plain.description,
        plain.ours,
        plain.reference,
        plain.extract_ours,
        plain.extract_reference,
        **extra,
    )


def _instant(value: str | None) -> str | None:
    """A timestamp as UTC ISO text (the servers print offsets and fractions differently)."""
    if value is None:
        return None
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat()


def _money(value: Any) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _node_ids(n: int) -> list[tuple[str, int]]:
    """n (type, key) pairs across two node types."""
    return [("Film" if i % 2 else "Actor", 1 + (i * 37) % 200) for i in range(n)]


def _our_global_id(type_name: str, key: int) -> str:
    raw = f"{type_name}:{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _their_node_id(type_name: str, key: int) -> str:
    """PostGraphile 4's `nodeId`: base64 of the JSON array [table type, plural; key]."""
    return base64.b64encode(
        json.dumps([type_name.lower() + "s", key], separators=(",", ":")).encode()
    ).decode()


def _customer_rentals(d: tuple[str, Any]) -> Any:
    side, data = d
    c = data["customer" if side == "ours" else "customerByCustomerId"]
    rentals = c["rentals"] if side == "ours" else c["rentalsByCustomerId"]
    return [
        (c["firstName"], c["lastName"], c["email"]),
        [
            (
                r["rentalId"],
                _instant(r["rentalDate"]),
                _instant(r["returnDate"]),
                (r["film"] if side == "ours" else r["inventoryByInventoryId"]["filmByFilmId"])[
                    "title"
                ],
            )
            for r in rentals["nodes"]
        ],
    ]


#: PostGraphile 4 does not expose the partitioned `payment` table, only its partitions, and
#: upstream Pagila gives `payment_p2022_07` no foreign key: its equivalent of one customer's
#: latest payments is the newest 20 of each partition, merged by the client.
_PAGE = "first: 20, orderBy: [PAYMENT_DATE_DESC, PAYMENT_ID_DESC]"
_PAYMENT_FIELDS = "{ totalCount nodes { paymentId amount paymentDate rentalId } }"
_THEIR_PAYMENTS = (
    "{ customerByCustomerId(customerId: {customer}) { "
    + " ".join(
        f"p{m}: paymentP20220{m}SByCustomerId({_PAGE}) {_PAYMENT_FIELDS}" for m in range(1, 7)
    )
    + f" pd: paymentDefaultsByCustomerId({_PAGE}) {_PAYMENT_FIELDS} }} "
    + f"p7: allPaymentP202207S(condition: {{customerId: {{customer}}}}, {_PAGE}) "
    + f"{_PAYMENT_FIELDS} }}"
)


def _customer_payments(d: tuple[str, Any]) -> Any:
    side, data = d
    if side == "ours":
        payments = data["customer"]["payments"]
        total, rows = payments["totalCount"], payments["nodes"]
        rental_of = [p["rental"]["rentalId"] for p in rows]
    else:
        parts = [*data["customerByCustomerId"].values(), data["p7"]]
        total = sum(p["totalCount"] for p in parts)
        rows = sorted(
            (n for p in parts for n in p["nodes"]),
            key=lambda n: (_instant(n["paymentDate"]), n["paymentId"]),
            reverse=True,
        )[:20]
        rental_of = [p["rentalId"] for p in rows]
    return [
        total,
        [
            (p["paymentId"], _money(p["amount"]), _instant(p["paymentDate"]), rental)
            for p, rental in zip(rows, rental_of, strict=True)
        ],
    ]


_NODE_FIELDS = {"Film": "filmId title", "Actor": "actorId firstName lastName"}

QUERIES += [
    _signed_in(
        "Q14",
        "a customer's 10 latest rentals with film, read by staff",
        "{ customer(customerId: {customer}) { firstName lastName email "
        "rentals(first: 10) { nodes { rentalId rentalDate returnDate film { title } } } } }",
        "{ customerByCustomerId(customerId: {customer}) { firstName lastName email "
        "rentalsByCustomerId(first: 10, orderBy: [RENTAL_DATE_DESC, RENTAL_ID_DESC]) "
        "{ nodes { rentalId rentalDate returnDate inventoryByInventoryId "
        "{ filmByFilmId { title } } } } } }",
        _customer_rentals,
        role="staff",
    ),
    _signed_in(
        "Q15",
        "the customer's own 20 latest payments, read by the customer",
        "{ customer(customerId: {customer}) { payments(first: 20) "
        "{ totalCount nodes { paymentId amount paymentDate rental { rentalId } } } } }",
        _THEIR_PAYMENTS,
        _customer_payments,
        role="customer",
    ),
    _signed_in(
        "Q16",
        "report: sales by film category (admin; PG: the sales_by_film_category view)",
        "{ salesByFilmCategory { category totalSales } }",
        "{ allSalesByFilmCategories { nodes { category totalSales } } }",
        lambda d: sorted(
            (r["category"], _money(r["totalSales"]))
            for r in (
                d[1]["salesByFilmCategory"]
                if d[0] == "ours"
                else d[1]["allSalesByFilmCategories"]["nodes"]
            )
        ),
        role="admin",
    ),
    _pair(
        "Q17",
        "10 node lookups by global id (films and actors)",
        "{ "
        + " ".join(
            f'n{i}: node(id: "{_our_global_id(t, k)}") {{ ... on {t} {{ {_NODE_FIELDS[t]} }} }}'
            for i, (t, k) in enumerate(_node_ids(10))
        )
        + " }",
        "{ "
        + " ".join(
            f'n{i}: node(nodeId: "{_their_node_id(t, k)}") {{ ... on {t} {{ {_NODE_FIELDS[t]} }} }}'
            for i, (t, k) in enumerate(_node_ids(10))
        )
        + " }",
        lambda d: d[1],
    ),
]


# --- Rent and return (the mutation pair) -------------------------------------------------------

RENT = (
    "mutation($c: Int!, $s: Int!, $i: Int!) { rentFilm(input: {customerId: $c, storeId: $s, "
    "inventoryId: $i}) { errors { message } rental { rentalId inventory { inventoryId } "
    "film { title } } } }"
)
RETURN = (
    "mutation($r: Int!) { returnRental(input: {rentalId: $r}) { errors { message } "
    "rental { rentalId returnDate } } }"
)
CREATE_RENTAL = (
    "mutation($c: Int!, $st: Int!, $i: Int!, $d: Datetime!) { createRental(input: {rental: "
    "{customerId: $c, staffId: $st, inventoryId: $i, rentalDate: $d}}) { rental { rentalId "
    "inventoryByInventoryId { inventoryId filmByFilmId { title } } } } }"
)
UPDATE_RENTAL = (
    "mutation($r: Int!, $d: Datetime!) { updateRentalByRentalId(input: {rentalId: $r, "
    "rentalPatch: {returnDate: $d}}) { rental { rentalId returnDate } } }"
)


class RentAndReturn(BenchQuery):
    """Rent a copy and bring it back: our `rentFilm` + `returnRental` (as staff of the store)
    against PostGraphile's CRUD `createRental` + `updateRentalByRentalId`. Each iteration leaves
    the copy in stock, as it found it; the rentals it wrote are deleted after each
    measurement, so the database is as it was for the pairs that follow. Measured by wrk with
    bench/rent_and_return.lua (the second request needs the first one's rental id, which the
    script's `response()` reads): one connection per wrk thread, each with its own copy and
    customer; requests/s counts both requests of an iteration. The sample compared between
    the two servers is one iteration of the Python loop below."""

    def __init__(self) -> None:
        super().__init__(
            "Q18",
            "rent and return a copy (2 mutations; PG: createRental + updateRental)",
            RENT,
            CREATE_RENTAL,
            lambda body: body,
            lambda body: body,
        )

    async def _slots(self, n: int) -> list[tuple[int, int]]:
        """n (copy in stock at the staff's store, active customer of that store) pairs."""
        conn = await asyncpg.connect(CALLERS.database_url)
        try:
            copies = await conn.fetch(
                "SELECT i.inventory_id FROM inventory i WHERE i.store_id = $1 AND NOT EXISTS "
                "(SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id "
                "AND r.return_date IS NULL) ORDER BY 1 LIMIT $2",
                STAFF_STORE,
                n,
            )
            customers = await conn.fetch(
                "SELECT customer_id FROM customer WHERE store_id = $1 AND activebool "
                "AND customer_id <> $2 ORDER BY 1 LIMIT $3",
                STAFF_STORE,
                CALLERS.customer_id,
                n,
            )
        finally:
            await conn.close()
        assert len(copies) == len(customers) == n, "not enough copies or customers"
        return [
            (c["inventory_id"], k["customer_id"]) for c, k in zip(copies, customers, strict=True)
        ]

    async def _iteration(
        self, http: Any, url: str, side: str, headers: dict[str, str], slot: tuple[int, int]
    ) -> tuple[Any, list[float]]:
        copy, customer = slot
        timings = []
        now = dt.datetime.now(dt.UTC).isoformat()
        started = time.perf_counter()
        if side == "ours":
            variables: dict[str, Any] = {"c": customer, "s": STAFF_STORE, "i": copy}
            body = (
                await http.post(url, json={"query": RENT, "variables": variables}, headers=headers)
            ).json()
            rented = body["data"]["rentFilm"]
            assert not rented["errors"], rented
            rental = rented["rental"]
            seen = (rental["inventory"]["inventoryId"], rental["film"]["title"])
        else:
            variables = {"c": customer, "st": CALLERS.staff_id, "i": copy, "d": now}
            body = (
                await http.post(url, json={"query": CREATE_RENTAL, "variables": variables})
            ).json()
            assert "errors" not in body, body
            rental = body["data"]["createRental"]["rental"]
            copy_row = rental["inventoryByInventoryId"]
            seen = (copy_row["inventoryId"], copy_row["filmByFilmId"]["title"])
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        if side == "ours":
            body = (
                await http.post(
                    url,
                    json={"query": RETURN, "variables": {"r": rental["rentalId"]}},
                    headers=headers,
                )
            ).json()
            returned = body["data"]["returnRental"]
            assert not returned["errors"], returned
            back = returned["rental"]["returnDate"] is not None
        else:
            body = (
                await http.post(
                    url,
                    json={
                        "query": UPDATE_RENTAL,
                        "variables": {
                            "r": rental["rentalId"],
                            "d": dt.datetime.now(dt.UTC).isoformat(),
                        },
                    },
                )
            ).json()
            assert "errors" not in body, body
            back = body["data"]["updateRentalByRentalId"]["rental"]["returnDate"] is not None
        timings.append(time.perf_counter() - started)
        return [*seen, back], timings

    async def _run(
        self, url: str, side: str, duration: float, connections: int, sample: bool = False
    ) -> tuple[list[Any], list[float], float]:
        import httpx

        slots = await self._slots(connections)
        headers = bearer("staff") if side == "ours" else {}
        conn = await asyncpg.connect(CALLERS.database_url)
        high_water = await conn.fetchval("SELECT max(rental_id) FROM rental")
        answers: list[Any] = []
        timings: list[float] = []
        limits = httpx.Limits(max_connections=connections)
        started = time.perf_counter()
        try:
            async with httpx.AsyncClient(timeout=60, limits=limits) as http:

                async def worker(slot: tuple[int, int]) -> None:
                    while True:
                        answer, spent = await self._iteration(http, url, side, headers, slot)
                        answers.append(answer)
                        timings.extend(spent)
                        if sample or time.perf_counter() - started >= duration:
                            return

                await asyncio.gather(*(worker(slot) for slot in slots))
            elapsed = time.perf_counter() - started
        finally:
            # leave the data as it was: the rentals written here go (no payment was recorded)
            await conn.execute("DELETE FROM rental WHERE rental_id > $1", high_water)
            await conn.close()
        return answers, timings, elapsed

    def sample(self, url: str, side: str) -> Any:
        answers, _, _ = asyncio.run(self._run(url, side, 0, 1, sample=True))
        return answers

    def measure(
        self, url: str, side: str, duration: int, connections: int
    ) -> tuple[float, float, float]:
        return asyncio.run(self._wrk(url, side, duration, connections))

    async def _wrk(
        self, url: str, side: str, duration: int, connections: int
    ) -> tuple[float, float, float]:
        from bench.run import wrk_script  # bench.run imports this module

        script = self.script(side, await self._slots(connections))
        conn = await asyncpg.connect(CALLERS.database_url)
        high_water = await conn.fetchval("SELECT max(rental_id) FROM rental")
        try:
            rps, p50, p99, out = await asyncio.to_thread(
                wrk_script, url, script, duration, connections, connections
            )
        finally:
            # wrk stops with requests in flight, which the server still finishes: wait until no
            # rental has been written for half a second, then leave the data as it was (the
            # rentals written here go; no payment was recorded)
            written = -1
            while written != (
                now := await conn.fetchval(
                    "SELECT count(*) FROM rental WHERE rental_id > $1", high_water
                )
            ):
                written = now
                await asyncio.sleep(0.5)
            await conn.execute("DELETE FROM rental WHERE rental_id > $1", high_water)
            await conn.close()
        failures = re.search(r"^failures: (\d+)$", out, re.MULTILINE)
        if failures is None or failures.group(1) != "0":
            raise SystemExit(f"Q18 ({side}): failed mutations:\n{out}")
        return rps, p50, p99

    def script(self, side: str, slots: list[tuple[int, int]]) -> str:
        """bench/rent_and_return.lua with the side's part (see its header) in front."""

        def lua(text: str) -> str:  # a Lua long string: no escapes needed
            assert "]==]" not in text
            return f"[==[{text}]==]"

        if side == "ours":
            headers = bearer("staff")
            rent = (
                f'return \'{{"query":\' .. {lua(json.dumps(RENT))} .. \',"variables":{{"c":\' '
                f"..customer.. ',\"s\":{STAFF_STORE},\"i\":' ..copy.. '}}}}'"
            )
            back = (
                f'return \'{{"query":\' .. {lua(json.dumps(RETURN))} .. \',"variables":'
                f"{{\"r\":' ..rental.. '}}}}'"
            )
        else:
            headers = {}
            rent = (
                f"return '{{\"query\":' .. {lua(json.dumps(CREATE_RENTAL))} .. "
                f'\',"variables":{{"c":\' ..customer.. \',"st":{CALLERS.staff_id},'
                f'"i":\' ..copy.. \',"d":"\' ..now.. \'"}}}}\''
            )
            back = (
                f"return '{{\"query\":' .. {lua(json.dumps(UPDATE_RENTAL))} .. "
                f'\',"variables":{{"r":\' ..rental.. \',"d":"\' ..now.. \'"}}}}\''
            )
        lines = [
            "SLOTS = {" + ", ".join(f"{{{c}, {k}}}" for c, k in slots) + "}",
            "HEADERS = {" + ", ".join(f"[ {lua(k)} ] = {lua(v)}" for k, v in headers.items()) + "}",
            f"function rent_body(copy, customer, now) {rent} end",
            f"function return_body(rental, now) {back} end",
        ]
        return "\n".join(lines) + "\n" + (Path(__file__).parent / "rent_and_return.lua").read_text()


QUERIES.append(RentAndReturn())


@dataclass(frozen=True)
class Varying(BenchQuery):
    """A document asked with another key on every request, drawn from the data (decisions
    0164 to 0166): what a front-end sends all day and neither server can answer from a body it
    has seen. `ours`/`reference` take the key as the variable `k`; `keys_sql` selects the keys
    (`$1`: the benchmark staff member's store). Measured by wrk with a script that draws a key
    per request (each thread seeded apart); compared on one key."""

    role: str | None = None
    keys_sql: str = ""

    def headers(self) -> dict[str, str]:
        return bearer(self.role) if self.role else {}

    def _keys(self) -> list[int]:
        async def fetch() -> list[int]:
            conn = await asyncpg.connect(CALLERS.database_url)
            try:
                rows = await conn.fetch(self.keys_sql, STAFF_STORE)
            finally:
                await conn.close()
            return [row[0] for row in rows]

        keys = asyncio.run(fetch())
        assert keys, self.keys_sql
        return keys

    def sample(self, url: str, side: str) -> Any:
        keys = self._keys()
        ours = side == "ours"
        body = {"query": self.ours if ours else self.reference, "variables": {"k": keys[0]}}
        answer = _post(url, body, self.headers() if ours else {})
        return self.extract_ours(answer) if ours else self.extract_reference(answer)

    def measure(
        self, url: str, side: str, duration: int, connections: int
    ) -> tuple[float, float, float]:
        from bench.run import wrk_script  # bench.run imports this module

        ours = side == "ours"
        template = json.dumps({"query": self.ours if ours else self.reference, "variables": {}})
        assert template.endswith('"variables": {}}') and "%" not in template
        body = template[: -len("{}}")] + '{"k": %d}}'
        headers = self.headers() if ours else {}
        script = "\n".join(
            [
                'wrk.method = "POST"',
                'wrk.headers["Content-Type"] = "application/json"',
                *(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()),
                "local keys = {" + ",".join(str(k) for k in self._keys()) + "}",
                "local threads = 0",
                "function setup(thread) threads = threads + 1; thread:set('seed', threads) end",
                "function init(args) math.randomseed(seed * 7919) end",
                f"local body = [==[{body}]==]",
                "function request() return wrk.format(nil, nil, nil, "
                "string.format(body, keys[math.random(#keys)])) end",
            ]
        )
        rps, p50, p99, _ = wrk_script(url, script + "\n", duration, 2, connections)
        return rps, p50, p99


def _rental_by_id(d: tuple[str, Any]) -> Any:
    side, data = d
    r = data["rental" if side == "ours" else "rentalByRentalId"]
    customer = r["customer" if side == "ours" else "customerByCustomerId"]
    film = r["film"] if side == "ours" else r["inventoryByInventoryId"]["filmByFilmId"]
    return [r["rentalId"], _instant(r["rentalDate"]), customer["lastName"], film["title"]]


def _varying(
    name: str,
    description: str,
    ours: str,
    reference: str,
    same: Callable[[Any], Any],
    *,
    role: str | None,
    keys_sql: str,
) -> Varying:
    plain = _pair(name, description, ours, reference, same)
    return _pair_as(Varying, plain, role=role, keys_sql=keys_sql)


QUERIES += [
    _varying(
        "Q19",
        "a customer's 10 latest rentals with film, another customer of the store per request "
        "(staff)",
        "query($k: Int!) { customer(customerId: $k) { firstName lastName email "
        "rentals(first: 10) { nodes { rentalId rentalDate returnDate film { title } } } } }",
        "query($k: Int!) { customerByCustomerId(customerId: $k) { firstName lastName email "
        "rentalsByCustomerId(first: 10, orderBy: [RENTAL_DATE_DESC, RENTAL_ID_DESC]) "
        "{ nodes { rentalId rentalDate returnDate inventoryByInventoryId "
        "{ filmByFilmId { title } } } } } }",
        _customer_rentals,
        role="staff",
        keys_sql="SELECT customer_id FROM customer WHERE store_id = $1 ORDER BY 1",
    ),
    _varying(
        "Q20",
        "one rental with its customer and film, another rental per request (admin)",
        "query($k: Int!) { rental(rentalId: $k) { rentalId rentalDate "
        "customer { lastName } film { title } } }",
        "query($k: Int!) { rentalByRentalId(rentalId: $k) { rentalId rentalDate "
        "customerByCustomerId { lastName } inventoryByInventoryId { filmByFilmId { title } } } }",
        _rental_by_id,
        role="admin",
        keys_sql="SELECT rental_id FROM rental WHERE $1::int IS NOT NULL ORDER BY 1",
    ),
    _varying(
        "Q21",
        "a page of films with language, another page size (1-25) per request",
        "query($k: Int!) { films(first: $k, orderBy: {field: FILM_ID}) "
        "{ nodes { filmId title rentalRate language { name } } } }",
        "query($k: Int!) { allFilms(first: $k, orderBy: FILM_ID_ASC) "
        "{ nodes { filmId title rentalRate languageByLanguageId { name } } } }",
        lambda d: [
            [n["filmId"], n["title"], n["rentalRate"]]
            for n in d[1]["films" if d[0] == "ours" else "allFilms"]["nodes"]
        ],
        role=None,
        # a variable that is not a lookup's key: the page size
        keys_sql="SELECT g FROM generate_series(1, 25) AS g WHERE $1::int IS NOT NULL",
    ),
]
