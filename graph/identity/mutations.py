"""register, login, refreshToken, logout, changePassword: each one call into IdentityService."""

from __future__ import annotations

import strawberry

from domain.errors import InvalidCredentials
from domain.identity import IdentityService, Registration
from graph.customers.mutations import AddressInput
from graph.identity.types import Account, AuthTokens
from graph.mutations import Payload, run_mutation
from graph.rate_limits import LimitKind
from graph.writing import Info, caller, write_uow


def _service(info: Info) -> IdentityService:
    kit = info.context.identity
    if kit is None:
        raise RuntimeError("The app was built without identity ports.")
    return kit.service(write_uow(info))


@strawberry.input(description="A new customer and their account.")
class RegisterInput:
    email: str = strawberry.field(description="Your sign-in; unique, ignoring case.")
    password: str = strawberry.field(
        description="At least PASSWORD_MIN_LENGTH (default 12) characters; not a common password "
        "and not your e-mail."
    )
    first_name: str = strawberry.field(description="Up to 45 characters.")
    last_name: str = strawberry.field(description="Up to 45 characters.")
    store_id: int = strawberry.field(description="Your home store.")
    address: AddressInput


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="From the last login or refresh.")


@strawberry.input
class LogoutInput:
    refresh_token: str = strawberry.field(description="The session's current refresh token.")


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str = strawberry.field(description="Same rules as at registration.")


@strawberry.interface(description="A payload that starts (or continues) a session.")
class SessionPayload(Payload):
    account: Account | None = strawberry.field(default=None, description="Your account.")
    tokens: AuthTokens | None = strawberry.field(default=None, description="The new tokens.")


@strawberry.type
class RegisterPayload(SessionPayload):
    pass


@strawberry.type
class LoginPayload(SessionPayload):
    pass


@strawberry.type
class RefreshTokenPayload(SessionPayload):
    pass


@strawberry.type
class ChangePasswordPayload(SessionPayload):
    pass


@strawberry.type
class LogoutPayload(Payload):
    logged_out: bool = strawberry.field(
        default=False, description="True when the session's refresh tokens are revoked."
    )


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Sign up as a customer of a store: creates the customer and the account, "
        "and signs in."
    )
    async def register(self, info: Info, input: RegisterInput) -> RegisterPayload:
        registration = Registration(
            email=input.email,
            password=input.password,
            first_name=input.first_name,
            last_name=input.last_name,
            store_id=input.store_id,
            address=input.address.to_draft(),
        )

        async def action() -> RegisterPayload:
            limiter = info.context.rate_limiter
            if limiter is not None:  # accounts are free: a few per IP, or limits are walkable
                await limiter.check(LimitKind.REGISTER, limiter.ip_identity(info.context.request))
            session = await _service(info).register(registration)
            return RegisterPayload(
                account=Account.from_entity(session.account),
                tokens=AuthTokens.from_session(session),
            )

        return await run_mutation(RegisterPayload, action)

    @strawberry.mutation(description="Sign in with e-mail and password: a new session.")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        async def action() -> LoginPayload:
            limiter = info.context.rate_limiter
            account = f"account:{input.email.strip().lower()}"
            if limiter is not None:  # wrong passwords per account, however many IPs send them
                await limiter.blocked(LimitKind.LOGIN_FAILURES, account)
            try:
                session = await _service(info).login(input.email, input.password)
            except InvalidCredentials:
                if limiter is not None:
                    await limiter.check(LimitKind.LOGIN_FAILURES, account)
                raise
            return LoginPayload(
                account=Account.from_entity(session.account),
                tokens=AuthTokens.from_session(session),
            )

        return await run_mutation(LoginPayload, action)

    @strawberry.mutation(
        description="Trade a refresh token for new tokens. The old refresh token is used up; "
        "using it again revokes the whole session (TokenReusedError)."
    )
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> RefreshTokenPayload:
        async def action() -> RefreshTokenPayload:
            session = await _service(info).refresh(input.refresh_token)
            return RefreshTokenPayload(
                account=Account.from_entity(session.account),
                tokens=AuthTokens.from_session(session),
            )

        return await run_mutation(RefreshTokenPayload, action)

    @strawberry.mutation(
        description="End a session: its refresh tokens are revoked (access tokens already "
        "issued lapse at their expiry)."
    )
    async def logout(self, info: Info, input: LogoutInput) -> LogoutPayload:
        async def action() -> LogoutPayload:
            await _service(info).logout(input.refresh_token)
            return LogoutPayload(logged_out=True)

        return await run_mutation(LogoutPayload, action)

    @strawberry.mutation(
        description="Change your password (signed in; needs the current one). Every session of "
        "the account is revoked and a new one returned."
    )
    async def change_password(
        self, info: Info, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        async def action() -> ChangePasswordPayload:
            session = await _service(info).change_password(
                caller(info), input.current_password, input.new_password
            )
            return ChangePasswordPayload(
                account=Account.from_entity(session.account),
                tokens=AuthTokens.from_session(session),
            )

        return await run_mutation(ChangePasswordPayload, action)
