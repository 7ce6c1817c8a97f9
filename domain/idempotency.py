"""Idempotency keys: a retried write with the same key returns the first result (decision 0031).

The store is a port; the SQL adapter claims a key by inserting its row inside the mutation's own
transaction, so a key and the write it guards commit (or vanish) together, and a concurrent retry
waits on the key's unique index until the first attempt has committed or rolled back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from domain.auth import Principal
from domain.errors import Conflict, InputField
from domain.validation import LIMITS, Checks

Result = Mapping[str, int | str]


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    request_hash: str
    result: Result | None


class IdempotencyStore(Protocol):
    async def claim(
        self, principal: str, operation: str, key: str, request_hash: str
    ) -> StoredOutcome | None:
        """Claim `key` for this transaction: None when it is new (now ours), otherwise what the
        first attempt stored."""
        ...

    async def complete(self, principal: str, operation: str, key: str, result: Result) -> None:
        """Store the result of the write that claimed `key`."""
        ...


class IdempotencyKeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "This idempotency key was already used for a different request.",
            field=InputField("idempotency_key"),
        )


def principal_key(principal: Principal) -> str:
    """Keys are scoped to whoever used them: one caller cannot replay another's result."""
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    if principal.staff_id is not None:
        return f"staff:{principal.staff_id}"
    if principal.customer_id is not None:
        return f"customer:{principal.customer_id}"
    return f"role:{principal.role}"


def request_hash(request: Mapping[str, object]) -> str:
    canonical = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(checks: Checks, key: str | None) -> str | None:
    return checks.optional_text("idempotency_key", key, LIMITS.idempotency_key)


def replayed(outcome: StoredOutcome | None, fingerprint: str) -> Result | None:
    """The first attempt's result, or None when this attempt is the first."""
    if outcome is None:
        return None
    if outcome.request_hash != fingerprint or outcome.result is None:
        raise IdempotencyKeyReused()
    return outcome.result
