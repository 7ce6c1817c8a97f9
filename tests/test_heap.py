"""GC_TUNING (decision 0130): while the app serves, its start-up heap is frozen out of the
collector's walks and young collections are rarer; both are undone when it stops."""

from __future__ import annotations

import gc

import httpx

from config.settings import Settings
from pagila_graph.app import create_app
from pagila_graph.heap import SERVING_YOUNG_THRESHOLD, tuned_collector
from persistence.db import Database
from tests.loopback import serving


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _tracked(target: object) -> bool:
    """Whether the collector still walks `target` (frozen objects are not listed)."""
    return any(item is target for item in gc.get_objects())


def test_tuned_collector_freezes_what_exists_and_restores_on_exit() -> None:
    before = gc.get_threshold()
    kept = Node()
    with tuned_collector():
        assert gc.get_freeze_count() > 0
        assert not _tracked(kept)
        assert gc.get_threshold() == (SERVING_YOUNG_THRESHOLD, *before[1:])
        created = Node()
        assert _tracked(created)  # objects made while serving are collected as usual
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert _tracked(kept)


def test_cycles_left_by_start_up_are_collected_before_the_freeze() -> None:
    collected: list[str] = []
    first, second = Node(), Node()
    first.other, second.other = second, first
    gc.callbacks.append(lambda phase, info: collected.append(phase))
    try:
        del first, second
        with tuned_collector():
            garbage_frozen = gc.get_freeze_count()
        # the cycle was freed by the collection before freezing, not frozen with the rest
        assert "stop" in collected
        assert all(not isinstance(item, Node) for item in gc.get_objects())
    finally:
        gc.callbacks.pop()
    assert garbage_frozen > 0


async def test_the_app_serves_with_the_collector_tuned(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings.model_copy(update={"gc_tuning": True}), database)
    async with serving(app, lifespan="on") as port:
        assert gc.get_threshold()[0] == SERVING_YOUNG_THRESHOLD
        assert not _tracked(app)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answer = await http.post("/graphql", json={"query": "{ languages { nodes { name } } }"})
        assert answer.status_code == 200
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold()[0] != SERVING_YOUNG_THRESHOLD


async def test_tests_serve_with_the_default_collector(
    settings: Settings, database: Database
) -> None:
    assert not settings.gc_tuning_enabled
    app = create_app(settings, database)
    async with serving(app, lifespan="on"):
        assert gc.get_freeze_count() == 0
        assert _tracked(app)
