"""uploadFilmPoster through the GraphQL multipart request spec, and GET /files/posters/{id}:
the type comes from the bytes (generated files of every kind), limits and refusals store
nothing, downloads carry an ETag that answers If-None-Match with 304."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import asyncpg
import httpx
import pytest

from config.settings import Settings
from domain.auth import Principal
from domain.catalogue.posters import poster_path
from pagila_graph.app import create_app
from persistence.db import StatementCounter
from tests.conftest import open_database
from tests.files.conftest import POSTER_LIMIT
from tests.live.support import ADMIN, customer, staff, token

UPLOAD = """mutation($input: UploadFilmPosterInput!) {
  uploadFilmPoster(input: $input) {
    film { filmId posterUrl }
    errors { __typename code message field }
  }
}"""

HEADS = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff\xe0",
    "image/webp": None,  # RIFF <size> WEBP
}


def image(kind: str, size: int, rng: random.Random) -> bytes:
    tail = rng.randbytes(max(size - 12, 0))
    if kind == "image/webp":
        return b"RIFF" + (size - 8).to_bytes(4, "little") + b"WEBP" + tail
    head = HEADS[kind]
    assert head is not None
    return (head + tail)[:size]


def not_an_image(rng: random.Random) -> bytes:
    """Random bytes that start like no accepted image (some like other formats)."""
    starts = [b"GIF89a", b"%PDF-1.7", b"<svg xmlns=", b"RIFF\x00\x00\x00\x00WAVE", b"\x89PNX", b""]
    data = rng.choice(starts) + rng.randbytes(rng.randrange(0, 2048))
    if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n":
        return b"x" + data
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return b"x" + data
    return data


async def upload(
    http: httpx.AsyncClient,
    settings: Settings,
    film_id: int,
    content: bytes,
    *,
    as_: Principal | None,
    filename: str = "poster.png",
    declared: str = "image/png",
) -> dict[str, Any]:
    operations = {"query": UPLOAD, "variables": {"input": {"filmId": film_id, "file": None}}}
    headers = {"authorization": f"Bearer {token(settings, as_)}"} if as_ else {}
    response = await http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, content, declared)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["uploadFilmPoster"]
    return payload


async def stored(sql: asyncpg.Connection, film_id: int) -> tuple[str, bytes] | None:
    row = await sql.fetchrow(
        "SELECT content_type, content FROM film_poster WHERE film_id = $1", film_id
    )
    return None if row is None else (row["content_type"], bytes(row["content"]))


async def a_film(sql: asyncpg.Connection) -> int:
    """A film of its own: each test case starts without a poster."""
    film_id: int = await sql.fetchval(
        "INSERT INTO film (title, language_id) VALUES ('POSTER TEST', 1) RETURNING film_id"
    )
    return film_id


CLERK = staff(1, 1)


SIZES = {
    "tiny": lambda rng: 12,
    "any": lambda rng: rng.randrange(13, POSTER_LIMIT),
    "at the limit": lambda rng: POSTER_LIMIT,
    "one byte over": lambda rng: POSTER_LIMIT + 1,
    "far over": lambda rng: POSTER_LIMIT * 3,
}
FILES = [(kind, size) for kind in [*HEADS, "other"] for size in SIZES]


@pytest.mark.parametrize(("kind", "size_name"), FILES, ids=[f"{k}-{s}" for k, s in FILES])
async def test_generated_files_are_judged_by_their_bytes(
    kind: str,
    size_name: str,
    files_http: httpx.AsyncClient,
    files_settings: Settings,
    files_sql: asyncpg.Connection,
) -> None:
    rng = random.Random(f"{kind}-{size_name}")
    film_id = await a_film(files_sql)
    size = SIZES[size_name](rng)
    if kind == "other":
        content = not_an_image(rng)
        content = content * (size // max(len(content), 1) + 1) if size > POSTER_LIMIT else content
    else:
        content = image(kind, size, rng)
    # the name and the declared type lie on purpose: only the bytes count
    declared = rng.choice(["image/png", "image/jpeg", "application/octet-stream", "text/plain"])
    payload = await upload(
        files_http, files_settings, film_id, content, as_=CLERK, declared=declared
    )

    if len(content) > POSTER_LIMIT:
        assert [e["code"] for e in payload["errors"]] == ["FILE_TOO_LARGE"]
        assert payload["errors"][0]["__typename"] == "FileTooLargeError"
    elif kind == "other":
        assert [e["code"] for e in payload["errors"]] == ["UNSUPPORTED_FILE_TYPE"]
        assert payload["errors"][0]["__typename"] == "UnsupportedFileTypeError"
    else:
        assert payload["errors"] == []
        etag = hashlib.sha256(content).hexdigest()
        assert payload["film"] == {
            "filmId": film_id,
            "posterUrl": f"/files/posters/{film_id}?v={etag[:16]}",
        }
        assert await stored(files_sql, film_id) == (kind, content)
        got = await files_http.get(f"/files/posters/{film_id}")
        assert got.status_code == 200
        assert got.content == content
        assert got.headers["content-type"] == kind
        return
    assert payload["film"] is None
    assert await stored(files_sql, film_id) is None


@pytest.mark.parametrize(
    ("who", "code"),
    [(None, "UNAUTHENTICATED"), (customer(1), "PERMISSION_DENIED")],
    ids=["anonymous", "customer"],
)
async def test_only_staff_upload(
    who: Principal | None,
    code: str,
    files_http: httpx.AsyncClient,
    files_settings: Settings,
    files_sql: asyncpg.Connection,
) -> None:
    film_id = await a_film(files_sql)
    content = image("image/png", 500, random.Random(1))
    payload = await upload(files_http, files_settings, film_id, content, as_=who)
    assert [e["code"] for e in payload["errors"]] == [code]
    assert await stored(files_sql, film_id) is None


async def test_a_poster_for_a_missing_film_is_refused(
    files_http: httpx.AsyncClient, files_settings: Settings, files_sql: asyncpg.Connection
) -> None:
    missing = await files_sql.fetchval("SELECT max(film_id) + 1000 FROM film")
    content = image("image/jpeg", 500, random.Random(2))
    payload = await upload(files_http, files_settings, missing, content, as_=ADMIN)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "input.filmId")]
    assert await stored(files_sql, missing) is None
    assert (await files_http.get(f"/files/posters/{missing}")).status_code == 404


async def test_downloads_revalidate_with_the_etag(
    files_http: httpx.AsyncClient, files_settings: Settings, files_sql: asyncpg.Connection
) -> None:
    film_id = await a_film(files_sql)
    assert (await files_http.get(f"/files/posters/{film_id}")).status_code == 404
    first = image("image/webp", 3000, random.Random(3))
    await upload(files_http, files_settings, film_id, first, as_=CLERK)

    got = await files_http.get(f"/files/posters/{film_id}")
    etag = got.headers["etag"]
    assert etag == f'"{hashlib.sha256(first).hexdigest()}"'
    assert "max-age" in got.headers["cache-control"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = await files_http.get(f"/files/posters/{film_id}", headers={"if-none-match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
    assert (
        await files_http.get(f"/files/posters/{film_id}", headers={"if-none-match": '"other"'})
    ).status_code == 200

    second = image("image/png", 2000, random.Random(4))
    payload = await upload(files_http, files_settings, film_id, second, as_=CLERK)
    assert payload["film"]["posterUrl"].endswith(hashlib.sha256(second).hexdigest()[:16])
    replaced = await files_http.get(f"/files/posters/{film_id}", headers={"if-none-match": etag})
    assert replaced.status_code == 200
    assert replaced.content == second
    assert replaced.headers["etag"] != etag


async def test_poster_url_is_null_without_a_poster(
    files_http: httpx.AsyncClient, files_sql: asyncpg.Connection
) -> None:
    film_id = await a_film(files_sql)
    response = await files_http.post(
        "/graphql",
        json={
            "query": "query($f: Int!) { film(filmId: $f) { posterUrl } }",
            "variables": {"f": film_id},
        },
    )
    assert response.json() == {"data": {"film": {"posterUrl": None}}}


async def test_an_upload_far_over_the_limit_is_refused_before_it_is_read(
    files_http: httpx.AsyncClient, files_settings: Settings, files_sql: asyncpg.Connection
) -> None:
    """Past the poster limit plus the form's room, the body limit answers 413 on its own."""
    film_id = await a_film(files_sql)
    content = image("image/png", 2 * 1024 * 1024, random.Random(5))
    operations = {"query": UPLOAD, "variables": {"input": {"filmId": film_id, "file": None}}}
    response = await files_http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("poster.png", content, "image/png")},
        headers={"authorization": f"Bearer {token(files_settings, CLERK)}"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert await stored(files_sql, film_id) is None


async def test_poster_url_compiled_equals_executor_and_the_domain_rule(
    files_url: str,
    files_http: httpx.AsyncClient,
    files_settings: Settings,
    files_sql: asyncpg.Connection,
) -> None:
    """`Film.posterUrl` compiles (decision 0157): the compiled statement builds the path from
    the domain's template (`POSTER_PATH`) as `poster_path` formats it. Films with and without
    posters, in one list and by key, read by both paths: the same JSON, the compiled answer in
    one statement, and each URL equal to `poster_path(film, sha256)`."""
    rng = random.Random(157)
    films = [await a_film(files_sql) for _ in range(4)]
    for film_id in films[:3]:  # the last one keeps no poster
        content = image(rng.choice(list(HEADS)), rng.randrange(13, 4096), rng)
        payload = await upload(files_http, files_settings, film_id, content, as_=CLERK)
        assert payload["errors"] == []
    await upload(  # a second upload: a new version
        files_http, files_settings, films[0], image("image/png", 99, rng), as_=CLERK
    )
    query = """query($after: String, $f: Int!) {
      films(first: 100, after: $after, orderBy: {field: FILM_ID, direction: DESC}) {
        nodes { filmId posterUrl }
      }
      film(filmId: $f) { posterUrl title }
    }"""
    variables = {"after": None, "f": films[0]}
    async with open_database(files_url) as database:
        executor = create_app(files_settings.model_copy(update={"compiled_reads": False}), database)
        compiled = create_app(files_settings, database)
        answers = []
        for app in (executor, compiled):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                with StatementCounter(database.engine) as counter:
                    response = await http.post(
                        "/graphql", json={"query": query, "variables": variables}
                    )
                answers.append((response.json(), list(counter.statements)))
    (expected, _), (got, statements) = answers
    assert got == expected
    assert len(statements) == 1 and statements[0].rstrip().endswith("AS data"), statements
    versions = dict(await files_sql.fetch("SELECT film_id, sha256 FROM film_poster"))
    for node in got["data"]["films"]["nodes"]:
        etag = versions.get(node["filmId"])
        assert node["posterUrl"] == (None if etag is None else poster_path(node["filmId"], etag))
    assert {n["filmId"] for n in got["data"]["films"]["nodes"]} >= set(films)
    assert got["data"]["film"]["posterUrl"] == poster_path(films[0], versions[films[0]])
