"""Plain HTTP endpoints beside GraphQL: poster images and CSV exports of the reports.

* `GET /files/posters/{filmId}`: the poster (public, like the catalogue), with a strong ETag
  (its sha256); `If-None-Match` with it answers 304 without the body (decision 0115).
* `GET /exports/{report}.csv` (`sales-by-store`, `sales-by-film-category`, `rentals`):
  managers (their store) and admins, exactly as the GraphQL reports (`ReportService` checks);
  `from`/`to` (ISO 8601 with a UTC offset) bound the period, `storeId` narrows it. The rows are
  streamed: rentals are read in batches of 1,000, never all at once.

Refusals are JSON in the GraphQL error shape with the matching status: 400 bad input, 401 no or
bad token, 403 not allowed, 404 no such film, poster or report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from domain.auth import Principal
from domain.catalogue.posters import PosterDownloads
from domain.errors import DomainError, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from domain.reports import Period, ReportService
from pagila_graph.auth import Authenticator
from pagila_graph.http_caching import etag_matches
from persistence.db import Database
from persistence.unit_of_work import SqlAlchemyUnitOfWork

#: posters change rarely and their URL carries their version; a bare URL is revalidated soon
POSTER_CACHE_CONTROL = "public, max-age=300"
CSV_TYPE = "text/csv; charset=utf-8"

_STATUS = {
    InvalidInput: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
}


def refusal(exc: DomainError) -> JSONResponse:
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    extensions: dict[str, object] = {"code": exc.code}
    if exc.field is not None:
        extensions["field"] = exc.field
    return JSONResponse(
        {"errors": [{"message": exc.message, "extensions": extensions}]}, status_code=status
    )


def _rows_csv(rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return "" if value is None else value


def _when(request: Request, name: str) -> dt.datetime | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"`{name}` must be an ISO 8601 date-time.", field=name) from None


def _store(request: Request) -> int | None:
    raw = request.query_params.get("storeId")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput("`storeId` must be a positive integer.", field="storeId")
    return int(raw)


SALES_BY_STORE_HEADER = (
    "store_id",
    "city",
    "country",
    "manager_staff_id",
    "manager",
    "total_sales",
    "payments",
)
SALES_BY_CATEGORY_HEADER = ("category_id", "category", "total_sales", "payments")
RENTALS_HEADER = (
    "rental_id",
    "rented_at",
    "returned_at",
    "store_id",
    "inventory_id",
    "film_id",
    "title",
    "customer_id",
    "staff_id",
)


class FileEndpoints:
    def __init__(self, database: Database, authenticator: Authenticator) -> None:
        self._database = database
        self._authenticator = authenticator

    def routes(self) -> list[Route]:
        return [
            Route("/files/posters/{film_id:int}", self.poster, methods=["GET", "HEAD"]),
            Route("/exports/{report}.csv", self.export, methods=["GET"]),
        ]

    async def poster(self, request: Request) -> Response:
        film_id: int = request.path_params["film_id"]
        try:
            async with SqlAlchemyUnitOfWork(self._database, read_only=True) as uow:
                poster = await PosterDownloads(uow).get(film_id)
        except DomainError as exc:
            return refusal(exc)
        etag = f'"{poster.etag}"'
        headers = {
            "ETag": etag,
            "Cache-Control": POSTER_CACHE_CONTROL,
            "Last-Modified": poster.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "X-Content-Type-Options": "nosniff",
        }
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(poster.content, media_type=poster.content_type, headers=headers)

    async def export(self, request: Request) -> Response:
        report = request.path_params["report"]
        try:
            principal = await self._authenticator.authenticate(request)
            period = Period(_when(request, "from"), _when(request, "to"))
            store_id = _store(request)
            if report == "rentals":
                return await self._rentals(principal, period, store_id)
            if report in ("sales-by-store", "sales-by-film-category"):
                return await self._sales(report, principal, period, store_id)
            raise NotFound("Export", report)
        except DomainError as exc:
            return refusal(exc)

    async def _sales(
        self, report: str, principal: Principal, period: Period, store_id: int | None
    ) -> Response:
        async with SqlAlchemyUnitOfWork(self._database, replica=True) as uow:
            service = ReportService(uow, principal)
            rows: list[Sequence[Any]]
            if report == "sales-by-store":
                header: Sequence[str] = SALES_BY_STORE_HEADER
                rows = [
                    (
                        s.store_id,
                        s.city,
                        s.country,
                        s.manager_staff_id,
                        s.manager_name,
                        s.total_sales,
                        s.payment_count,
                    )
                    for s in await service.sales_by_store(period, store_id)
                ]
            else:
                header = SALES_BY_CATEGORY_HEADER
                rows = [
                    (c.category_id, c.category, c.total_sales, c.payment_count)
                    for c in await service.sales_by_category(period, store_id)
                ]

        async def body() -> AsyncIterator[str]:
            yield _rows_csv([header])
            for start in range(0, len(rows), 500):
                yield _rows_csv(rows[start : start + 500])

        return StreamingResponse(body(), media_type=CSV_TYPE, headers=_download(report))

    async def _rentals(
        self, principal: Principal, period: Period, store_id: int | None
    ) -> Response:
        uow = SqlAlchemyUnitOfWork(self._database, replica=True)
        # the checks run now (a refusal is still a status code); the rows are read while sent
        batches = await ReportService(uow, principal).rentals(period, store_id)

        async def body() -> AsyncIterator[str]:
            yield _rows_csv([RENTALS_HEADER])
            async with uow:
                async for batch in batches:
                    yield _rows_csv(
                        (
                            r.rental_id,
                            r.rented_at,
                            r.returned_at,
                            r.store_id,
                            r.inventory_id,
                            r.film_id,
                            r.title,
                            r.customer_id,
                            r.staff_id,
                        )
                        for r in batch
                    )

        return StreamingResponse(body(), media_type=CSV_TYPE, headers=_download("rentals"))


def _download(report: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{report}.csv"',
        "Cache-Control": "private, no-store",
    }
