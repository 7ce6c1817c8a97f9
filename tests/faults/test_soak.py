"""`pagila-graph soak` for 20 seconds against a server it starts (a child process, as an
operator runs it): every kind of request is answered, nothing fails, and the books balance."""

from __future__ import annotations

import pytest

from pagila_graph.soak import soak
from tests.conftest import settings_for

pytestmark = pytest.mark.faults


async def test_a_short_soak_keeps_the_books(faults_url: str) -> None:
    report = await soak(settings_for(faults_url), faults_url, minutes=1 / 3, customers=8, seed=7)
    print("\n".join(report.lines()))
    tally = report.tally
    assert report.books.balanced, report.lines()
    # every kind of request ran, and none failed (refusals such as NOT_IN_STOCK are answers)
    for kind in ("films", "film", "mine", "rentFilm", "recordPayment", "askAgent"):
        assert tally.latencies[kind], kind
    failed = {k: v for k, v in tally.outcomes.items() if not k.startswith(("ok", "refused:"))}
    assert not failed, failed
    assert report.books.balances_checked > 0
    assert tally.payment_keys and tally.rental_keys
    assert report.rss_start_mb is not None and report.rss_end_mb is not None
