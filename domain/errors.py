"""Domain errors. The GraphQL layer maps each to a typed error the client can switch on."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a refusal with a message safe to show to the caller."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key} does not exist.")
        self.entity = entity
        self.key = key


class InvalidInput(DomainError):
    code = "INVALID_INPUT"
