"""Adapters: SQLAlchemy models, repositories, unit of work, engine, embedded PostgreSQL, data."""
