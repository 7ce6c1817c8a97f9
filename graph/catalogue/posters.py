"""Film posters: `uploadFilmPoster` (GraphQL multipart request spec) and `Film.posterUrl`.
The image itself is served at GET /files/posters/{filmId} (pagila_graph/files.py)."""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from domain.catalogue.posters import FileTooLarge, PosterService
from domain.catalogue.posters import UnsupportedFileType as UnsupportedFileTypeFailure
from domain.errors import InputField, InvalidInput
from graph.catalogue.types import Film
from graph.context import Context
from graph.errors import UserError, register_error
from graph.mutations import Payload, run_mutation
from graph.writing import caller, reread, write_uow

Info = strawberry.Info[Context, Any]


@strawberry.type(description="The file is larger than the server accepts (MAX_POSTER_BYTES).")
class FileTooLargeError(UserError):
    pass


@strawberry.type(description="The file is not a PNG, JPEG or WebP image (judged by its bytes).")
class UnsupportedFileTypeError(UserError):
    pass


register_error(FileTooLarge, FileTooLargeError)
register_error(UnsupportedFileTypeFailure, UnsupportedFileTypeError)


@strawberry.input(description="A poster for a film: PNG, JPEG or WebP.")
class UploadFilmPosterInput:
    film_id: int
    file: Upload = strawberry.field(
        description="The image, sent as a file of a multipart request (GraphQL multipart "
        "request spec); its type is read from its bytes."
    )


@strawberry.type
class UploadFilmPosterPayload(Payload):
    film: Film | None = strawberry.field(default=None, description="The film, with `posterUrl`.")


@strawberry.type
class PostersMutation:
    @strawberry.mutation(
        description="Set a film's poster (staff). Replaces the previous one; a refused file "
        "stores nothing."
    )
    async def upload_film_poster(
        self, info: Info, input: UploadFilmPosterInput
    ) -> UploadFilmPosterPayload:
        limit = info.context.settings.max_poster_bytes

        async def action() -> UploadFilmPosterPayload:
            # Strawberry's Upload is Starlette's UploadFile when the file came as a multipart
            # part; the scalar also lets a literal through (`file: "x"`, found by the fuzz run)
            file: object = input.file
            if not isinstance(file, UploadFile):
                raise InvalidInput(
                    "`input.file` must be a file sent as a part of a multipart request.",
                    field=InputField("file"),
                )
            # one byte past the limit is enough to refuse an oversized file
            content = await file.read(limit + 1)
            service = PosterService(write_uow(info), limit, events=info.context.publisher)
            await service.upload(caller(info), input.film_id, content)
            film = await reread(info, lambda uow: uow.films, input.film_id)
            return UploadFilmPosterPayload(film=Film.from_entity(film))

        return await run_mutation(UploadFilmPosterPayload, action)
