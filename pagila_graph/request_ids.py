"""Request ids: 32 lowercase hex digits, as `uuid4().hex` wrote them, unique across requests
and processes without a system call per request.

`uuid4()` reads 16 random bytes from the kernel for every request (~1.5 % of a small read's
CPU). Here each process draws 8 random bytes once (again in a forked child) and counts: the
random half keeps processes and restarts apart, the counter keeps requests apart. A request id
correlates log lines and answers; it grants nothing, so being predictable within a process is
harmless.
"""

from __future__ import annotations

import itertools
import os


class RequestIds:
    """A callable giving a new request id per call."""

    def __init__(self) -> None:
        self._prefix = ""
        self._counter = itertools.count()
        self.reseed()

    def reseed(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count()

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"


new_request_id = RequestIds()
os.register_at_fork(after_in_child=new_request_id.reseed)
