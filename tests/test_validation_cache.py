"""A repeated document is validated once: the limit rules must not defeat ValidationCache."""

from __future__ import annotations

from typing import Any

import pytest

import graph.documents as gate_module
from tests.conftest import GraphQLClient


async def test_a_repeated_query_is_not_validated_again(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    original = gate_module.validate_document

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(gate_module, "validate_document", counting)
    query = "{ films(first: 2) { nodes { title language { name } } } }"
    await gql(query)
    calls = 0
    await gql(query)
    await gql(query)
    assert calls == 0
