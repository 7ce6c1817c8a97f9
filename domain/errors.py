"""Domain errors: refusals with a message safe to show the caller and a stable `code`.

The GraphQL layer maps each class to a typed error (see graph/errors.py). Add a subclass here
for every new kind of refusal; never signal a business refusal with a bare exception.
"""

from __future__ import annotations


class InputField(str):
    """A field of a command, named as the domain names it: `film_id`, `actor_ids[2]`,
    `address.postal_code`. Each entry point renders it in its own vocabulary (the GraphQL
    layer: `input.filmId`, graph/errors.py); a message names the field as the domain does, in
    backquotes, and is rendered the same way."""

    __slots__ = ()


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, entity: str, key: object, *, field: str | None = None) -> None:
        super().__init__(f"{entity} {key} does not exist.", field=field)
        self.entity = entity
        self.key = key


class InvalidInput(DomainError):
    """Bad input; `field` names the offending value (an `InputField` for a command's field)."""

    code = "INVALID_INPUT"


class ValidationFailed(DomainError):
    """Several bad inputs at once: each is an InvalidInput with its own field path."""

    code = "INVALID_INPUT"

    def __init__(self, problems: list[InvalidInput]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class Conflict(DomainError):
    """The request is valid but the current state forbids it (e.g. film still rented)."""

    code = "CONFLICT"


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Sign in first.") -> None:
        super().__init__(message)


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(f"Too many requests; retry in {retry_after_seconds:.0f} s.")
        self.retry_after_seconds = retry_after_seconds


class NotInStock(Conflict):
    """No copy of the film is available at the store (or the copy asked for is rented out)."""

    code = "NOT_IN_STOCK"


class AlreadyReturned(Conflict):
    code = "ALREADY_RETURNED"


class CustomerInactive(Conflict):
    code = "CUSTOMER_INACTIVE"


class InvalidCredentials(Unauthenticated):
    """Wrong e-mail or password; deliberately the same for an unknown e-mail (decision 0071)."""

    code = "INVALID_CREDENTIALS"

    def __init__(self, message: str = "E-mail or password is wrong.", *, field: str | None = None):
        super().__init__(message)
        self.field = field


class InvalidToken(Unauthenticated):
    """A token that is malformed, tampered with, expired, revoked or unknown."""

    code = "INVALID_TOKEN"


class TokenReused(InvalidToken):
    """A refresh token was presented after it had been rotated: its whole family is revoked."""

    code = "TOKEN_REUSED"


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"
