"""Stores and staff by id, one batched statement per operation each."""

from __future__ import annotations

from domain.stores import Staff, Store
from graph.loading import ById

STORES: ById[Store] = ById.public("store", lambda uow: uow.stores)
STAFF: ById[Staff] = ById.public("staff", lambda uow: uow.staff)
