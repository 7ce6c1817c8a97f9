"""Request ids (pagila_graph/request_ids.py): the format `uuid4().hex` had, unique within a
process, and apart between processes — a forked child draws its own random half."""

from __future__ import annotations

import os
import re

from pagila_graph.request_ids import RequestIds, new_request_id

_FORMAT = re.compile(r"[0-9a-f]{32}")


def test_ids_are_32_hex_digits_and_never_repeat() -> None:
    ids = [new_request_id() for _ in range(20_000)]
    assert all(_FORMAT.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_two_generators_and_a_reseed_do_not_share_ids() -> None:
    first, second = RequestIds(), RequestIds()
    seen = {first() for _ in range(1_000)}
    assert not seen & {second() for _ in range(1_000)}
    first.reseed()
    assert not seen & {first() for _ in range(1_000)}


def test_a_forked_child_draws_its_own_ids() -> None:
    before = new_request_id()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, through the pipe
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    mine = new_request_id()
    assert _FORMAT.fullmatch(child)
    assert child[:16] != before[:16]  # another random half
    assert mine[:16] == before[:16] and child != mine
