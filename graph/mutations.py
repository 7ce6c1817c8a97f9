"""How every mutation runs: one call into a domain service, domain refusals become the payload's
typed `errors`, a failure after a commit was sent becomes `OutcomeUnknown` (OUTCOME_UNKNOWN),
anything else propagates (and is masked with the request id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from domain.errors import DomainError
from domain.outcomes import OutcomeUnknown, watching_writes
from graph.errors import UserError, user_errors
from graph.writing import later_fields


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

    Anything but a refusal after a COMMIT was sent (the connection lost during it, the
    read-back of a committed row failing) is `OutcomeUnknown`: the client must not take it for
    "nothing was written" (domain/outcomes.py).
    """
    with watching_writes() as writes:
        try:
            return await action()
        except DomainError as exc:
            return payload(errors=user_errors(exc))
        except OutcomeUnknown:
            raise
        except Exception as exc:
            unknown = writes.outcome_of_failure()
            if unknown is None:
                raise
            raise unknown from exc


async def settle_later(payload: P) -> P | Exception:
    """`payload` with each of its deferred objects read (`graph.writing.read_back`, decision
    0176): what its resolver would have returned had it read them itself — the payload, its
    refusal (the row gone since: NOT_FOUND), or the error it would have raised
    (OUTCOME_UNKNOWN: the write was saved)."""
    for name, later in list(later_fields(payload)):
        try:
            setattr(payload, name, await later.load())
        except DomainError as exc:
            return type(payload)(errors=user_errors(exc))
        except Exception as exc:
            if later.unknown is None:
                return exc
            later.unknown.__cause__ = exc
            return later.unknown
    return payload
