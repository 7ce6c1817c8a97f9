"""The business: entities, value objects, rules and services. Plain Python only —
no Strawberry, no SQLAlchemy (checked by tests/test_architecture.py)."""
