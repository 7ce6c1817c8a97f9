"""The rules behind OUTCOME_UNKNOWN (decision 0155) and SERVICE_UNAVAILABLE, on the exceptions
the driver raises: which failed COMMIT the server refused (nothing saved), which may have saved
everything, and which failures mean the database is out of reach."""

from __future__ import annotations

import errno
import itertools

import pytest

from domain.outcomes import WriteLog, note_commit_confirmed, note_commit_sent, watching_writes
from persistence.db import is_unavailable, refused_by_server


class PgError(Exception):
    """Like asyncpg's server errors: a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


def wrapped(inner: BaseException) -> Exception:
    """Like SQLAlchemy's DBAPIError: the driver's error in `.orig`, and as the cause."""
    outer = Exception("(dbapi) failed")
    outer.orig = inner  # type: ignore[attr-defined]
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize("sqlstate", ["40001", "40P01", "23505", "23503", "25P02", "55P03"])
def test_a_commit_the_server_answered_with_an_error_was_rolled_back(sqlstate: str) -> None:
    assert refused_by_server(PgError(sqlstate))
    assert refused_by_server(wrapped(PgError(sqlstate)))


@pytest.mark.parametrize(
    "error",
    [
        PgError("08006"),  # connection failure
        PgError("57P01"),  # terminated by an administrator: maybe after committing
        PgError("57P02"),
        PgError("XX000"),
        ConnectionResetError(errno.ECONNRESET, "reset"),
        TimeoutError(),
        OSError(errno.EPIPE, "broken pipe"),
    ],
)
def test_a_commit_whose_answer_was_lost_may_have_saved(error: BaseException) -> None:
    assert not refused_by_server(error)
    assert not refused_by_server(wrapped(error))


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(errno.ENOENT, "no such file"),  # a stopped server's Unix socket
        ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        OSError(errno.EHOSTUNREACH, "unreachable"),
        TimeoutError(),
        PgError("57P01"),
        PgError("08006"),
    ],
)
def test_failures_to_reach_the_database_are_unavailable(error: BaseException) -> None:
    assert is_unavailable(error) and is_unavailable(wrapped(error))


@pytest.mark.parametrize(
    "error", [ValueError("bug"), KeyError("x"), PgError("23505"), OSError(errno.EACCES, "no")]
)
def test_bugs_and_refusals_are_not_unavailable(error: BaseException) -> None:
    assert not is_unavailable(error)


def test_the_write_log_tells_what_a_failure_means() -> None:
    """Every order of events on one log: sent/confirmed/refused counts decide."""
    for sent, confirmed, refused in itertools.product(range(3), repeat=3):
        if confirmed + refused > sent:
            continue
        log = WriteLog()
        log.sent, log.confirmed, log.refused = sent, confirmed, refused
        unknown = log.outcome_of_failure()
        if sent > confirmed + refused:
            assert unknown is not None and unknown.committed is None
        elif confirmed:
            assert unknown is not None and unknown.committed is True
        else:
            assert unknown is None


def test_commits_are_counted_only_inside_an_operation() -> None:
    note_commit_sent()  # no operation: nothing to count, nothing raised
    with watching_writes() as log:
        note_commit_sent()
        assert log.uncertain
        note_commit_confirmed()
        assert log.saved and not log.uncertain
    with watching_writes() as fresh:
        assert fresh.outcome_of_failure() is None
