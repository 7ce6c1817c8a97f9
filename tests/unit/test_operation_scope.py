"""The per-operation scope when Strawberry ends an operation in another task's context (its
legacy graphql-ws handler does): no "created in a different Context" error, and the context that
ends it does not keep the closed scope."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace
from typing import Any, cast

from config.settings import Settings
from graph.context import Context, OperationScopeExtension, _scope


async def test_an_operation_may_end_in_another_context() -> None:
    context = Context(
        request=cast(Any, None),
        response=None,
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        units=cast(Any, None),  # nothing is opened: no unit of work is needed
    )
    extension = OperationScopeExtension()
    extension.execution_context = cast(Any, SimpleNamespace(context=context))
    operation = extension.on_operation()

    async def begin() -> None:
        await anext(operation)
        assert _scope.get() is not None

    async def end() -> None:
        with contextlib.suppress(StopAsyncIteration):
            await anext(operation)
        assert _scope.get() is None

    await asyncio.create_task(begin())
    await asyncio.create_task(end())  # a task of its own: another Context
