"""pagila-graph: the composition root (settings, logging, app factory, CLI)."""

__version__ = "0.1.0"
