"""Issue 14: generated documents against our schema (hypothesis-graphql), valid, invalid and
mangled, sent through the real app over HTTP by every kind of caller: never an internal error,
never a traceback or SQL text, always the spec's status and media type, always within a bound,
and the event loop never kept busy long (see tests/hostile/fuzzing.py for what is generated and
checked).

In CI each of the four tests runs `FUZZ_EXAMPLES` examples (default 25). On demand, e.g.
10,000 documents in all: `FUZZ_EXAMPLES=2500 ./dev test tests/hostile/test_fuzz.py -p
no:logging -s` (docs/reliability.md has the last figures; about 15 minutes at load 6-10).
Writes land in a Pagila database of the run's own, dropped afterwards.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections.abc import AsyncIterator

import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import ModelProvider, Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.conftest import open_database, pagila_database
from tests.hostile import fuzzing
from tests.hostile.loopwatch import watch_loop
from tests.mutations.support import HEADER, HeaderAuthenticator

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

#: longest the loop may be busy at a stretch while one generated document is answered (CPU
#: time of the loop's thread, not wall-clock: see loopwatch.py): the watchdog's 100 ms, as
#: for the hostile documents (test_documents.py)
LOOP_BOUND_S = float(os.environ.get("FUZZ_LOOP_BOUND_S", "0.1"))

TALLIES: dict[str, fuzzing.Tally] = {}

WARM_UP = [
    "{ __typename }",
    "{ filmSummary(filmId: 1) { recommended } }",
    'mutation { askAgent(input: { question: "Any comedies?" }) { answer } }',
]


@pytest.fixture(scope="module")
def fuzz_settings(settings: Settings) -> Settings:
    # the demo model: `askAgent` is fuzzed too, without a model's minutes
    return settings.model_copy(update={"model_provider": ModelProvider.SCRIPTED})


@pytest.fixture(scope="module")
async def fuzz_database(server_url: str) -> AsyncIterator[Database]:
    """A Pagila database of the fuzz run's own: generated writes land there, and a request
    that breaks its connection breaks nothing else."""
    async with pagila_database(server_url, "pagila_fuzz") as url, open_database(url) as db:
        yield db


@pytest.fixture(scope="module")
async def fuzz_client(
    fuzz_settings: Settings, fuzz_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fuzz_settings, fuzz_database, HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        # what a server does before it is ready (AGENT_WARM_UP): the agents' first use imports
        # their libraries, seconds of CPU that the loop watch would blame on the first document
        for warm_up in WARM_UP:
            await http.post("/graphql", json={"query": warm_up}, headers={HEADER: "customer:1"})
        yield http


async def send(
    http: httpx.AsyncClient,
    tally: fuzzing.Tally,
    document: str,
    variables: object,
    *,
    caller: str,
    accept: str,
) -> None:
    headers = {"content-type": "application/json", "accept": accept}
    if fuzzing.CALLERS[caller] is not None:
        headers[HEADER] = str(fuzzing.CALLERS[caller])
    # written by hand: json.dumps keeps a lone surrogate as a `\ud800` escape
    content = json.dumps({"query": document, "variables": variables}).encode()
    started = time.perf_counter()
    # the test process's collector stays out of the measure: its heap (Hypothesis's objects)
    # grows over a long run and a full collection took up to 1.6 s of the loop's CPU there,
    # while the same documents re-sent alone cost a few ms
    gc.disable()
    try:
        async with watch_loop(interval_s=0.002) as lag:
            response = await http.post("/graphql", content=content, headers=headers)
    finally:
        gc.enable()
    seconds = time.perf_counter() - started
    text = response.text
    found = fuzzing.problems(response.status_code, response.headers["content-type"], text, accept)
    if seconds > fuzzing.TIME_BOUND_S:
        found.append(f"took {seconds:.1f} s")
    if (lag.max_cpu_s > 0.1 or seconds > 2) and os.environ.get("FUZZ_SHOW_SLOW"):
        print(f"\nSLOW cpu {lag.max_cpu_s:.3f} wall {seconds:.1f} {caller} {document!r}")
    if lag.max_cpu_s > LOOP_BOUND_S:
        found.append(f"kept the event loop busy {lag.max_cpu_s:.3f} s")
    body = json.loads(text) if not found else {}
    codes = [(e.get("extensions") or {}).get("code", "") for e in body.get("errors") or []]
    tally.add(response.status_code, codes, seconds)
    tally.max_loop_cpu_s = max(tally.max_loop_cpu_s, lag.max_cpu_s)
    assert not found, (caller, accept, document[:2000], variables, found, text[:1000])


callers = st.sampled_from(sorted(fuzzing.CALLERS))
accepts = st.sampled_from(sorted(fuzzing.ACCEPTS))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # every run generates afresh; a failure prints its example
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def tally_of(name: str) -> fuzzing.Tally:
    return TALLIES.setdefault(name, fuzzing.Tally())


@pytest.mark.parametrize("kind", ["queries", "mutations"])
@FUZZ
@given(data=st.data(), caller=callers, accept=accepts)
async def test_valid_documents(
    fuzz_client: httpx.AsyncClient, kind: str, data: st.DataObject, caller: str, accept: str
) -> None:
    document = data.draw(fuzzing.documents(kind, hg.Mode.POSITIVE), label="document")
    await send(fuzz_client, tally_of(f"valid {kind}"), document, None, caller=caller, accept=accept)


@FUZZ
@given(data=st.data(), caller=callers, accept=accepts)
async def test_invalid_documents(
    fuzz_client: httpx.AsyncClient, data: st.DataObject, caller: str, accept: str
) -> None:
    kind = data.draw(st.sampled_from(["queries", "mutations"]), label="kind")
    document = data.draw(fuzzing.documents(kind, hg.Mode.NEGATIVE), label="document")
    tally = tally_of("invalid (hypothesis-graphql)")
    await send(fuzz_client, tally, document, None, caller=caller, accept=accept)


@FUZZ
@given(data=st.data(), caller=callers, accept=accepts)
async def test_mangled_documents(
    fuzz_client: httpx.AsyncClient, data: st.DataObject, caller: str, accept: str
) -> None:
    kind = data.draw(st.sampled_from(["queries", "mutations"]), label="kind")
    valid = data.draw(fuzzing.documents(kind, hg.Mode.POSITIVE), label="valid")
    document = data.draw(fuzzing.mangled(valid), label="document")
    variables = data.draw(fuzzing.variables, label="variables")
    await send(fuzz_client, tally_of("mangled"), document, variables, caller=caller, accept=accept)


def test_report() -> None:
    """Prints what the run above saw (with `-s`): the figures docs/reliability.md records."""
    for name, tally in TALLIES.items():
        print(
            f"\nfuzz {name}: {tally.sent} documents, statuses {tally.statuses}, slowest "
            f"{tally.slowest_s:.2f} s, loop busy at most {tally.max_loop_cpu_s * 1000:.0f} ms, "
            f"codes {dict(sorted(tally.codes.items(), key=lambda kv: -kv[1]))}"
        )
    assert all(t.sent > 0 for t in TALLIES.values())
