"""The password policy: what a new password must satisfy (decision 0071).

Length is what makes a password strong, so the rule is a minimum length (a setting) and a cap
that keeps hashing cheap to refuse, plus refusing passwords that are guessable from the account
itself or are among the most common ones. No composition rules (digits, symbols): they push
people towards predictable patterns without adding much strength.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.validation import Checks

#: A few of the passwords every guessing attack tries first (lower-cased).
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd",
        "123456789012",
        "1234567890",
        "qwertyuiop",
        "qwerty123456",
        "letmein",
        "iloveyou",
        "administrator",
        "welcome123",
        "changeme",
        "trustno1",
        "sakila",
        "pagila",
    }
)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    min_length: int = 12
    max_length: int = 256

    def check(self, checks: Checks, name: str, password: str, *, email: str | None) -> None:
        """Adds a problem naming the field `name` (e.g. `new_password`) when it fails."""
        path = checks.path(name)
        if len(password) < self.min_length:
            checks.fail(name, f"`{path}` must be at least {self.min_length} characters.")
        elif len(password) > self.max_length:
            checks.fail(name, f"`{path}` must be at most {self.max_length} characters.")
        elif password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
            checks.fail(name, f"`{path}` is too easy to guess; choose a longer phrase.")
        elif email and _guessable_from(email, password):
            checks.fail(name, f"`{path}` must not contain your e-mail address.")


def _guessable_from(email: str, password: str) -> bool:
    lowered = password.lower()
    local = email.lower().partition("@")[0]
    return email.lower() in lowered or (len(local) >= 4 and local in lowered)
