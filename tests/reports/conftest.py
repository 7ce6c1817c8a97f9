from tests.read_api_support import api, read_client, sql

__all__ = ["api", "read_client", "sql"]
