"""Film posters: staff upload one image per film; anyone may download it (decision 0115).

The type is read from the file's first bytes, never from the name or the declared type: PNG,
JPEG and WebP are accepted, anything else is refused, as is a file over the size limit or a
poster for a film that does not exist. A refused upload stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.auth import Principal, require_staff
from domain.errors import InputField, InvalidInput, NotFound
from domain.events import NO_EVENTS, DomainEvent, EventKind, EventPublisher, utc_now
from domain.transaction import Transaction

#: default upper bound of a poster's size (setting MAX_POSTER_BYTES)
MAX_POSTER_BYTES = 2 * 1024 * 1024

#: Where a film's poster is served (GET on this server), versioned by the start of its content's
#: hash so that a new upload is a new URL for caches: `Film.posterUrl`. The one source of both
#: read paths: the executor formats it (`poster_path`), the compiled read path builds the same
#: text in SQL from this template (persistence/repositories/posters.py `poster_url`).
POSTER_PATH = "/files/posters/{film_id}?v={version}"
#: how many characters of the sha256 (hex) the version holds
VERSION_CHARS = 16


def poster_path(film_id: int, etag: str) -> str:
    """`Film.posterUrl` of a film whose poster's sha256 (hex) is `etag`."""
    return POSTER_PATH.format(film_id=film_id, version=etag[:VERSION_CHARS])


class FileTooLarge(InvalidInput):
    code = "FILE_TOO_LARGE"


class UnsupportedFileType(InvalidInput):
    code = "UNSUPPORTED_FILE_TYPE"


@dataclass(frozen=True, slots=True)
class Poster:
    film_id: int
    content_type: str
    content: bytes
    etag: str  # sha256 of the content, hex
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PosterVersion:
    """What a listing needs: which films have a poster, and which version."""

    film_id: int
    etag: str


def sniff_image_type(head: bytes) -> str | None:
    """The media type of an image from its first bytes: PNG, JPEG or WebP; else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class PosterRepository(Protocol):
    async def film_exists(self, film_id: int) -> bool:
        """Locks the film row until the transaction ends (a concurrent delete waits)."""
        ...

    async def put(self, film_id: int, content_type: str, content: bytes, etag: str) -> Poster: ...

    async def get(self, film_id: int) -> Poster | None: ...

    async def versions(self, film_ids: Sequence[int]) -> Sequence[PosterVersion]: ...


class PosterUnitOfWork(Transaction, Protocol):
    @property
    def posters(self) -> PosterRepository: ...


class PosterReader(Protocol):
    @property
    def posters(self) -> PosterRepository: ...


class PosterService:
    def __init__(
        self,
        uow: PosterUnitOfWork,
        max_bytes: int = MAX_POSTER_BYTES,
        events: EventPublisher = NO_EVENTS,
    ) -> None:
        self._uow = uow
        self._max_bytes = max_bytes
        self._events = events

    async def upload(self, principal: Principal, film_id: int, content: bytes) -> Poster:
        """`content`: the file, read up to one byte past the limit by the caller."""
        require_staff(principal)
        if len(content) > self._max_bytes:
            raise FileTooLarge(
                f"The poster is larger than {self._max_bytes} bytes.", field=InputField("file")
            )
        content_type = sniff_image_type(content[:16])
        if content_type is None:
            raise UnsupportedFileType(
                "The poster must be a PNG, JPEG or WebP image.", field=InputField("file")
            )
        etag = hashlib.sha256(content).hexdigest()
        async with self._uow as uow:
            if not await uow.posters.film_exists(film_id):
                raise NotFound("Film", film_id, field=InputField("film_id"))
            poster = await uow.posters.put(film_id, content_type, content, etag)
            await uow.commit()
        await self._events.publish(
            [DomainEvent(EventKind.FILM_CHANGED, utc_now(), film_id=film_id, change="poster")]
        )
        return poster


class PosterDownloads:
    """Posters are public, like the catalogue."""

    def __init__(self, uow: PosterReader) -> None:
        self._uow = uow

    async def get(self, film_id: int) -> Poster:
        poster = await self._uow.posters.get(film_id)
        if poster is None:
            raise NotFound("Poster", film_id)
        return poster

    async def versions(self, film_ids: Sequence[int]) -> dict[int, str]:
        return {v.film_id: v.etag for v in await self._uow.posters.versions(film_ids)}
