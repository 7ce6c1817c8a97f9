"""An ASGI app served by real uvicorn on a free loopback port, for tests that need real sockets
(WebSocket clients, SK's HTTP connectors, a client that hangs up)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

from pagila_graph.http_server import CoalescingHttpToolsProtocol


@asynccontextmanager
async def serving(
    app: ASGIApp, lifespan: Literal["auto", "on", "off"] = "off"
) -> AsyncIterator[int]:
    """Serves `app` until the block ends; yields its port."""
    # a response still streaming (a model that never answers) is cut after 2 s at the end
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan=lifespan,
        log_config=None,
        timeout_graceful_shutdown=2,
        http=CoalescingHttpToolsProtocol,  # as `pagila-graph serve` serves
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():  # it failed to start: raise its error instead of waiting forever
            await task
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task
