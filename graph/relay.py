"""Opaque global IDs: base64url("Type:key"), unpadded. Clients must treat them as opaque."""

from __future__ import annotations

import base64
import binascii

from domain.errors import InvalidInput


def to_global_id(type_name: str, key: int | str) -> str:
    raw = f"{type_name}:{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, str]:
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, key = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(f"{global_id!r} is not a valid ID.", field="id") from None
    if not type_name or not key:
        raise InvalidInput(f"{global_id!r} is not a valid ID.", field="id")
    return type_name, key


def parse_int_id(global_id: str, expected_type: str) -> int:
    type_name, key = from_global_id(global_id)
    if type_name != expected_type or not key.isdigit():
        raise InvalidInput(f"{global_id!r} is not a {expected_type} ID.", field="id")
    return int(key)
