"""The catalogue's rows by id, one batched statement per operation each."""

from __future__ import annotations

from domain.catalogue.films import Film
from domain.catalogue.reads import Actor, Category, Inventory, Language
from graph.loading import ById

FILMS: ById[Film] = ById.public("film", lambda uow: uow.films)
ACTORS: ById[Actor] = ById.public("actor", lambda uow: uow.actors)
CATEGORIES: ById[Category] = ById.public("category", lambda uow: uow.categories)
LANGUAGES: ById[Language] = ById.public("language", lambda uow: uow.languages)
INVENTORY: ById[Inventory] = ById.public("inventory", lambda uow: uow.inventory)
