"""What the GraphQL layer reports about each operation, to whoever observes it.

The layer does not know Prometheus or OpenTelemetry: the composition root passes an
`OperationObserver` in the request context (`Context.observer`), and `ObserveOperations` (a
schema extension, first in the list so that it sees the final, coded errors) tells it the
operation's name, type and error codes. The observer measures what it wants around the
operation: time, SQL statements, spans.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from typing_extensions import override

#: Error code of an error that carries none: graphql-core's own parse and validation errors
#: and masked unexpected errors.
UNCODED = "UNCODED"


@dataclass
class OperationReport:
    """Filled in by the caller before the observer's context manager exits."""

    #: "executor" (Strawberry runs the resolvers) or "compiled" (one SQL statement, decision 0012)
    path: str
    name: str | None = None
    #: "query", "mutation", "subscription"; None when the document did not parse
    type: str | None = None
    error_codes: list[str] = field(default_factory=list)
    #: the compiled path gave up and the executor answers instead: count nothing
    discarded: bool = False


class OperationObserver(Protocol):
    def operation(self, report: OperationReport) -> AbstractContextManager[OperationReport]:
        """Enters as the operation starts, exits when it has ended (report filled in)."""
        ...


def error_codes(errors: Iterable[GraphQLError] | None) -> list[str]:
    codes: list[str] = []
    for error in errors or ():
        code = (error.extensions or {}).get("code")
        codes.append(str(code) if code else UNCODED)
    return codes


class ObserveOperations(SchemaExtension):
    """Reports each operation (HTTP or WebSocket) to `context.observer`, when there is one."""

    @override
    async def on_operation(self) -> AsyncIterator[None]:
        observer: OperationObserver | None = getattr(
            self.execution_context.context, "observer", None
        )
        if observer is None:
            yield
            return
        with observer.operation(OperationReport(path="executor")) as report:
            context = self.execution_context
            try:
                yield
            except GraphQLError as error:  # a document that does not parse ends here
                report.error_codes = error_codes([error])
                raise
            except Exception:
                report.error_codes = [UNCODED]
                raise
            else:
                result = context.result
                report.error_codes = error_codes(
                    result.errors if result is not None else context.pre_execution_errors
                )
            finally:
                report.name = context.operation_name
                try:
                    report.type = context.operation_type.value
                except RuntimeError:  # no document: it did not parse
                    report.type = None
