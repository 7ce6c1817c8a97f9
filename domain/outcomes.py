"""Whether a write that failed may have been saved (issue 14 item 12, decision 0155).

A client told "the service is unavailable" assumes nothing was written and may send the write
again; when the failure came after the COMMIT was sent (the connection lost while the server
committed, or the read-back of a committed row failing), that retry writes twice. So the
writes of one operation are counted — COMMITs sent, confirmed, refused by the server — and a
failure after one that was sent but not refused is `OutcomeUnknown`: the write may have been
saved; retry with the same idempotency key (which replays the first result when it was).

Plain Python: the persistence adapter counts (`note_*`), the API layer opens the count around
each mutation (`watching_writes`) and turns a failure after a commit into `OutcomeUnknown`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class OutcomeUnknown(Exception):
    """A write failed after its COMMIT was sent: it may have been saved (`committed` None) or
    was saved and only its answer failed (`committed` True). Not a refusal (`DomainError`):
    something may have changed."""

    code = "OUTCOME_UNKNOWN"

    def __init__(self, committed: bool | None) -> None:
        self.committed = committed
        if committed:
            message = (
                "The write was saved but its result could not be read back; retry with the "
                "same idempotency key to get it, or read the data again."
            )
        else:
            message = (
                "The write may have been saved; retry with the same idempotency key "
                "(without one, read the data again before retrying)."
            )
        super().__init__(message)
        self.message = message


class WriteLog:
    """The COMMITs one operation sent and what became of them."""

    __slots__ = ("confirmed", "refused", "sent")

    def __init__(self) -> None:
        self.sent = 0
        self.confirmed = 0
        #: the server answered the COMMIT with an error: rolled back, nothing saved
        self.refused = 0

    @property
    def uncertain(self) -> bool:
        """A COMMIT was sent and neither confirmed nor refused (the connection was lost, the
        client timed out or was cancelled while waiting)."""
        return self.sent > self.confirmed + self.refused

    @property
    def saved(self) -> bool:
        return self.confirmed > 0

    def outcome_of_failure(self) -> OutcomeUnknown | None:
        """What a failure now means: None when nothing can have been saved."""
        if self.uncertain:
            return OutcomeUnknown(committed=None)
        if self.saved:
            return OutcomeUnknown(committed=True)
        return None


#: the log of the operation being run; a mutable object, so that writes made in tasks the
#: operation starts (which copy the context) still count
_current: ContextVar[WriteLog | None] = ContextVar("pagila_write_log", default=None)


@contextmanager
def watching_writes() -> Iterator[WriteLog]:
    log = WriteLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def outcome_of_failure_now() -> OutcomeUnknown | None:
    """What a failure from here on would mean for the operation being run (None outside one,
    or when nothing can have been saved yet)."""
    log = _current.get()
    return None if log is None else log.outcome_of_failure()


def note_commit_sent() -> None:
    log = _current.get()
    if log is not None:
        log.sent += 1


def note_commit_confirmed() -> None:
    log = _current.get()
    if log is not None:
        log.confirmed += 1


def note_commit_refused() -> None:
    log = _current.get()
    if log is not None:
        log.refused += 1
