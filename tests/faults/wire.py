"""A TCP proxy in front of a real PostgreSQL server that can lose the server's answer to a
COMMIT: the server has committed, the client sees its connection drop. The database is real;
only the network between the app and it misbehaves, as it does when a connection is cut at the
worst moment.

It reads the frontend protocol just enough to see each message's type and text (the startup
packets have no type byte); it never changes a byte it forwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

#: SSLRequest / GSSENCRequest / CancelRequest codes (untyped packets before the startup one)
_NEGOTIATION = {80877103, 80877104, 80877102}


class WireProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        """`upstream_host` a directory (libpq's `host=/path`, the embedded server's): its Unix
        socket for that port."""
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        #: lose the answer to the next this-many COMMITs (the server still commits)
        self.lose_commit_answers = 0
        #: after a COMMIT's answer went through, cut the next this-many queries' connections
        self.cut_after_commit = 0
        #: whether a COMMIT's answer went through since `arm_cut_after_commit`
        self._commit_seen = False
        #: cut the connection of the next this-many queries (before the server sees them)
        self.cut_next_queries = 0
        self.commits_lost = 0
        self.queries_cut = 0

    async def start(self) -> WireProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._links):
            task.cancel()
        for task in list(self._links):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def arm_cut_after_commit(self, queries: int = 1) -> None:
        self._commit_seen = False
        self.cut_after_commit = queries

    async def _accept(  # noqa: PLR0915 (one connection's two directions, kept together)
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        try:
            host, port = self.upstream
            if host.startswith("/"):
                up_reader, up_writer = await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
            else:
                up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            self._links.discard(task)
            return
        state = {"commit_pending": False, "lose": False, "cut": False}
        closed = asyncio.Event()

        def close_all() -> None:
            closed.set()
            writer.close()
            up_writer.close()

        async def client_to_server() -> None:
            started = False
            while True:
                if not started:
                    head = await reader.readexactly(8)
                    length, code = struct.unpack("!II", head)
                    body = await reader.readexactly(length - 8)
                    up_writer.write(head + body)
                    if code not in _NEGOTIATION:
                        started = True
                else:
                    head = await reader.readexactly(5)
                    kind, length = head[:1], struct.unpack("!I", head[1:])[0]
                    body = await reader.readexactly(length - 4)
                    text = body.upper()
                    if kind in (b"Q", b"P") and self.cut_next_queries:
                        self.cut_next_queries -= 1
                        self.queries_cut += 1
                        close_all()
                        return
                    if (
                        kind in (b"Q", b"P")
                        and self.cut_after_commit
                        and self._commit_seen
                        and b"COMMIT" not in text
                        and b"BEGIN" not in text
                    ):
                        self.cut_after_commit -= 1
                        self.queries_cut += 1
                        close_all()
                        return
                    if kind == b"Q" and text.startswith(b"COMMIT"):
                        state["commit_pending"] = True
                        if self.lose_commit_answers:
                            self.lose_commit_answers -= 1
                            state["lose"] = True
                    up_writer.write(head + body)
                await up_writer.drain()

        async def server_to_client() -> None:
            while True:
                data = await up_reader.read(65536)
                if not data:
                    close_all()
                    return
                if state["commit_pending"]:
                    state["commit_pending"] = False
                    if state["lose"]:
                        # the server answered the COMMIT: it committed; the client never hears
                        self.commits_lost += 1
                        close_all()
                        return
                    self._commit_seen = True
                writer.write(data)
                await writer.drain()

        links = [asyncio.create_task(client_to_server()), asyncio.create_task(server_to_client())]
        try:
            await asyncio.wait(links, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for link in links:
                link.cancel()
            close_all()
            self._links.discard(task)
