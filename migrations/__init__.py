"""Alembic environment and revisions. The database schema is created only by these revisions."""
