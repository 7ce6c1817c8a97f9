"""Checking film input: one check per field, each naming its input path (decision 0033)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from domain.catalogue.films import MpaaRating
from domain.validation import LIMITS, Checks

#: The special features Pagila's discs carry (Sakila's SET type).
SPECIAL_FEATURES = ("Trailers", "Commentaries", "Deleted Scenes", "Behind the Scenes")

FieldCheck = Callable[[Checks, str, object], object]


def _text(limit: int, *, optional: bool) -> FieldCheck:
    def check(checks: Checks, path: str, value: object) -> object:
        assert value is None or isinstance(value, str)
        if optional:
            return checks.optional_text(path, value, limit)
        return checks.text(path, value or "", limit)

    return check


def _int(low: int, high: int) -> FieldCheck:
    def check(checks: Checks, path: str, value: object) -> object:
        assert value is None or isinstance(value, int)
        return None if value is None else checks.int_range(path, value, low, high)

    return check


def _money(max_digits: int) -> FieldCheck:
    def check(checks: Checks, path: str, value: object) -> object:
        assert isinstance(value, Decimal)
        return checks.money(path, value, max_digits=max_digits)

    return check


def _id(checks: Checks, path: str, value: object) -> object:
    assert value is None or isinstance(value, int)
    return None if value is None else checks.positive_id(path, value)


def _rating(checks: Checks, path: str, value: object) -> object:
    return None if value is None else MpaaRating(str(value)).value


def _features(checks: Checks, path: str, value: object) -> object:
    assert isinstance(value, tuple)
    features: list[str] = []
    for i, feature in enumerate(value):
        trimmed = str(feature).strip()
        if trimmed not in SPECIAL_FEATURES:
            checks.fail(
                f"{path}[{i}]",
                f"`{checks.path(path)}[{i}]` must be one of {', '.join(SPECIAL_FEATURES)}.",
            )
        elif trimmed not in features:
            features.append(trimmed)
    return features


def _flag(checks: Checks, path: str, value: object) -> object:
    return bool(value)


#: film field → (its name in errors, check returning the column value). Limits: decision 0033.
_FILM_FIELDS: dict[str, tuple[str, FieldCheck]] = {
    "title": ("title", _text(LIMITS.title, optional=False)),
    "description": ("description", _text(LIMITS.description, optional=True)),
    "release_year": ("release_year", _int(1901, 2155)),  # the `year` domain
    "language_id": ("language_id", _id),
    "original_language_id": ("original_language_id", _id),
    "rental_duration": ("rental_duration", _int(1, 365)),
    "rental_rate": ("rental_rate", _money(4)),  # numeric(4,2)
    "length": ("length", _int(1, 32767)),  # smallint minutes
    "replacement_cost": ("replacement_cost", _money(5)),  # numeric(5,2)
    "rating": ("rating", _rating),
    "special_features": ("special_features", _features),
    "streaming_available": ("streaming_available", _flag),
}
FILM_FIELD_PATHS = {name: path for name, (path, _) in _FILM_FIELDS.items()}
_NOT_NULL = (
    "title",
    "language_id",
    "rental_duration",
    "rental_rate",
    "replacement_cost",
    "special_features",
    "streaming_available",
)


def film_values(checks: Checks, given: dict[str, object]) -> dict[str, object]:
    """Check the given film fields (domain names) and return their column values."""
    values: dict[str, object] = {}
    for name, value in given.items():
        path, check = _FILM_FIELDS[name]
        if value is None and name in _NOT_NULL:
            checks.fail(path, f"`{checks.path(path)}` cannot be null.")
            continue
        values[name] = check(checks, path, value)
    return values
