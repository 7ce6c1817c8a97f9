"""How every mutation runs: one call into a domain service, domain refusals become the payload's
typed `errors`, anything else propagates (and is masked with the request id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from domain.errors import DomainError
from graph.errors import UserError, user_errors


@strawberry.interface(description="What every mutation returns: its result or why it was refused.")
class Payload:
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why the mutation was refused; empty on success. Non-empty: nothing changed.",
    )


P = TypeVar("P", bound=Payload)


async def run_mutation(payload: type[P], action: Callable[[], Awaitable[P]]) -> P:
    """Run `action` (which opens and commits its own unit of work) and map refusals.

    Every payload type must give its result fields a default of None, so that
    `payload(errors=[...])` is a valid refusal.
    """
    try:
        return await action()
    except DomainError as exc:
        return payload(errors=user_errors(exc))
