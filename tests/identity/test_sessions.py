"""register → login → me → refresh (rotation, reuse) → logout → changePassword, over HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from persistence.db import Database
from tests.identity.conftest import (
    CHANGE,
    LOGIN,
    LOGOUT,
    ME,
    PASSWORD,
    REFRESH,
    REGISTER,
    AuthApi,
    registration,
    unique_email,
)


def codes(payload: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(e["__typename"], e["code"], e.get("field")) for e in payload["errors"]]


async def test_register_creates_a_customer_and_signs_in(auth_api: AuthApi) -> None:
    email = unique_email()
    payload = await auth_api.register(email)
    account = payload["account"]
    assert account["email"] == email
    assert account["role"] == "CUSTOMER"
    assert account["storeId"] == 1
    assert account["staff"] is None
    assert account["customer"]["firstName"] == "Ada"
    assert account["customer"]["email"] == email
    assert payload["tokens"]["tokenType"] == "Bearer"

    me = await auth_api(ME, token=payload["tokens"]["accessToken"])
    assert me["data"]["me"]["customer"]["customerId"] == account["customer"]["customerId"]
    assert me["data"]["me"]["userId"] == account["userId"]


async def test_login_returns_fresh_tokens_for_the_same_account(auth_api: AuthApi) -> None:
    email = unique_email()
    registered = await auth_api.register(email)
    login = await auth_api.login(email.upper())  # e-mails ignore case
    assert login["errors"] == []
    assert login["account"]["userId"] == registered["account"]["userId"]
    assert login["tokens"]["refreshToken"] != registered["tokens"]["refreshToken"]
    me = await auth_api(ME, token=login["tokens"]["accessToken"])
    assert me["data"]["me"]["email"] == email


async def test_duplicate_email_is_refused_ignoring_case(auth_api: AuthApi) -> None:
    email = unique_email()
    await auth_api.register(email)
    again = await auth_api.mutate(REGISTER, registration(email.upper()))
    assert codes(again) == [("ConflictError", "EMAIL_TAKEN", "input.email")]
    assert again["account"] is None and again["tokens"] is None


async def test_weak_passwords_are_refused_naming_the_field(auth_api: AuthApi) -> None:
    email = unique_email()
    for weak in ("short", "password1234", "aaaaaaaaaaaaaaaa", email + "x"):
        payload = await auth_api.mutate(REGISTER, registration(email, weak))
        assert codes(payload) == [("ValidationError", "INVALID_INPUT", "input.password")], weak
    login = await auth_api.login(email, "short")
    assert codes(login) == [("InvalidCredentialsError", "INVALID_CREDENTIALS", None)]


async def test_several_bad_fields_are_reported_together(auth_api: AuthApi) -> None:
    payload = await auth_api.mutate(REGISTER, registration("not-an-email", "short", firstName="  "))
    fields = {field for _, _, field in codes(payload)}
    assert fields == {"input.email", "input.password", "input.firstName"}


async def test_wrong_password_and_unknown_email_get_the_same_answer(auth_api: AuthApi) -> None:
    email = unique_email()
    await auth_api.register(email)
    wrong = await auth_api.login(email, PASSWORD + "!")
    unknown = await auth_api.login(unique_email(), PASSWORD)
    assert wrong == unknown
    assert codes(wrong) == [("InvalidCredentialsError", "INVALID_CREDENTIALS", None)]
    assert wrong["tokens"] is None


async def test_refresh_rotates_and_reuse_revokes_the_family(auth_api: AuthApi) -> None:
    email = unique_email()
    first = (await auth_api.register(email))["tokens"]["refreshToken"]
    other_session = (await auth_api.login(email))["tokens"]["refreshToken"]

    rotated = await auth_api.mutate(REFRESH, {"refreshToken": first})
    assert rotated["errors"] == []
    second = rotated["tokens"]["refreshToken"]
    assert second != first
    me = await auth_api(ME, token=rotated["tokens"]["accessToken"])
    assert me["data"]["me"]["email"] == email

    reused = await auth_api.mutate(REFRESH, {"refreshToken": first})
    assert codes(reused) == [("TokenReusedError", "TOKEN_REUSED", None)]
    # the whole family is gone, even the token nobody had used yet ...
    after = await auth_api.mutate(REFRESH, {"refreshToken": second})
    assert codes(after) == [("InvalidTokenError", "INVALID_TOKEN", None)]
    # ... but another login's session is not
    still = await auth_api.mutate(REFRESH, {"refreshToken": other_session})
    assert still["errors"] == []


async def test_unknown_refresh_token_is_invalid(auth_api: AuthApi) -> None:
    payload = await auth_api.mutate(REFRESH, {"refreshToken": "not-a-token-we-issued"})
    assert codes(payload) == [("InvalidTokenError", "INVALID_TOKEN", None)]


async def test_logout_revokes_the_refresh_token(auth_api: AuthApi) -> None:
    tokens = (await auth_api.register(unique_email()))["tokens"]
    out = await auth_api.mutate(LOGOUT, {"refreshToken": tokens["refreshToken"]})
    assert out == {"errors": [], "loggedOut": True}
    refused = await auth_api.mutate(REFRESH, {"refreshToken": tokens["refreshToken"]})
    assert codes(refused) == [("InvalidTokenError", "INVALID_TOKEN", None)]
    again = await auth_api.mutate(LOGOUT, {"refreshToken": tokens["refreshToken"]})
    assert again["loggedOut"] is False
    assert codes(again) == [("InvalidTokenError", "INVALID_TOKEN", None)]


async def test_change_password(auth_api: AuthApi) -> None:
    email = unique_email()
    old = (await auth_api.register(email))["tokens"]
    new_password = "an entirely different phrase"

    anonymous = await auth_api.mutate(
        CHANGE, {"currentPassword": PASSWORD, "newPassword": new_password}
    )
    assert codes(anonymous) == [("UnauthenticatedError", "UNAUTHENTICATED", None)]

    token = old["accessToken"]
    wrong = await auth_api.mutate(
        CHANGE, {"currentPassword": "not it at all!", "newPassword": new_password}, token=token
    )
    assert codes(wrong) == [
        ("InvalidCredentialsError", "INVALID_CREDENTIALS", "input.currentPassword")
    ]
    weak = await auth_api.mutate(
        CHANGE, {"currentPassword": PASSWORD, "newPassword": "short"}, token=token
    )
    assert codes(weak) == [("ValidationError", "INVALID_INPUT", "input.newPassword")]
    # refusals changed nothing: the old password and refresh token still work
    assert (await auth_api.login(email))["errors"] == []

    changed = await auth_api.mutate(
        CHANGE, {"currentPassword": PASSWORD, "newPassword": new_password}, token=token
    )
    assert changed["errors"] == []
    assert codes(await auth_api.login(email)) == [
        ("InvalidCredentialsError", "INVALID_CREDENTIALS", None)
    ]
    assert (await auth_api.login(email, new_password))["errors"] == []
    # every earlier session's refresh token is revoked; the returned one works
    revoked = await auth_api.mutate(REFRESH, {"refreshToken": old["refreshToken"]})
    assert codes(revoked) == [("InvalidTokenError", "INVALID_TOKEN", None)]
    fresh = await auth_api.mutate(REFRESH, {"refreshToken": changed["tokens"]["refreshToken"]})
    assert fresh["errors"] == []


async def test_me_needs_a_signed_in_caller(auth_api: AuthApi) -> None:
    body = await auth_api(ME)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_login_query_shape(auth_api: AuthApi) -> None:
    body = await auth_api(LOGIN, {"input": {"email": "", "password": ""}})
    assert body["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_a_disabled_account_can_neither_sign_in_nor_refresh(
    auth_api: AuthApi, isolated_database: Database
) -> None:
    email = unique_email()
    tokens = (await auth_api.register(email))["tokens"]
    async with isolated_database.session() as session:
        await session.execute(
            text("UPDATE app_user SET active = false WHERE email = :email"), {"email": email}
        )
        await session.commit()
    assert codes(await auth_api.login(email)) == [
        ("InvalidCredentialsError", "INVALID_CREDENTIALS", None)
    ]
    refused = await auth_api.mutate(REFRESH, {"refreshToken": tokens["refreshToken"]})
    assert codes(refused) == [("InvalidTokenError", "INVALID_TOKEN", None)]
    me = await auth_api(ME, token=tokens["accessToken"])
    assert me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
