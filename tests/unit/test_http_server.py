"""One system call per response (decision 0161): the coalescing transport's writes of one loop
turn leave together and in order; close sends what is pending, abort drops it; the rest is
the real transport's. The protocol itself is exercised over real sockets by every test that
serves through tests/loopback.py (HTTP, keep-alive, streaming, WebSockets)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from pagila_graph.http_server import CoalescingTransport
from tests.loopback import serving


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


async def _turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def test_writes_of_one_turn_leave_together_in_order() -> None:
    real = Recording()
    transport = CoalescingTransport(real, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(memoryview(b"body"))
    transport.writelines([b"-", b"more"])
    assert real.writes == []
    assert transport.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\nbody-more")
    await _turn()
    assert real.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody-more"]
    transport.write(b"next")
    await _turn()
    assert real.writes[-1] == b"next"
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)


async def test_close_sends_what_is_pending_and_abort_drops_it() -> None:
    real = Recording()
    transport = CoalescingTransport(real, asyncio.get_running_loop())
    transport.write(b"last words")
    transport.close()
    assert real.writes == [b"last words"] and real.closed
    await _turn()  # the scheduled flush finds nothing more
    assert real.writes == [b"last words"]
    other = Recording()
    transport = CoalescingTransport(other, asyncio.get_running_loop())
    transport.write(b"never sent")
    transport.abort()
    await _turn()
    assert other.writes == [] and other.aborted


async def test_keep_alive_requests_over_a_real_socket() -> None:
    """Many requests on one keep-alive connection, big and small bodies, each answered whole."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        size = int(scope["path"].strip("/") or 0)
        body = b"x" * size
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(size).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async with serving(app) as port, httpx.AsyncClient() as client:
        for size in (0, 1, 100, 70_000, 3, 1_000_000, 5):
            response = await client.get(f"http://127.0.0.1:{port}/{size}")
            assert response.status_code == 200
            assert response.content == b"x" * size
