"""Agent conversations: who owns one, who may read or continue it, what is remembered.

Rules (see `domain.auth`): a customer sees only their own conversations; another signed-in
user (staff) sees the conversations they started; admins see all. An anonymous caller may ask
questions but gets no memory: their turns are stored without an owner and nobody but an admin
can read or continue them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from domain.auth import Principal, Role, require_authenticated
from domain.errors import InvalidInput, NotFound

#: A question is a message from a person: a few sentences. A 10 MB one used to be sent to the
#: model and stored as one message row (issue 14, item 6).
MAX_QUESTION_LENGTH = 2_000


def check_question(question: str, field: str = "question") -> str:
    """The question to ask, stripped; `InvalidInput` when empty or too long."""
    question = question.strip()
    if not question:
        raise InvalidInput("Ask a question.", field=field)
    if len(question) > MAX_QUESTION_LENGTH:
        raise InvalidInput(
            f"A question may be at most {MAX_QUESTION_LENGTH} characters long.", field=field
        )
    return question


TITLE_LENGTH = 80


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    customer_id: int | None
    user_id: int | None
    title: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    role: str  # "user" or "assistant"
    agent: str | None
    content: str
    steps: Sequence[Mapping[str, Any]]
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class NewMessage:
    role: str
    content: str
    agent: str | None = None
    steps: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """One remembered exchange, as given to the agents."""

    question: str
    answer: str
    agent: str | None


class ConversationRepository(Protocol):
    async def create(self, customer_id: int | None, user_id: int | None, title: str) -> int: ...

    async def get(self, conversation_id: int) -> Conversation | None: ...

    async def owned_by(self, readable: Readable) -> list[Conversation]:
        """The conversations `readable` covers, newest first."""
        ...

    async def messages(self, conversation_id: int, last: int | None = None) -> list[Message]:
        """Oldest first; `last`: only the newest `last` messages."""
        ...

    async def add_messages(self, conversation_id: int, messages: Sequence[NewMessage]) -> None: ...


class ConversationReader(Protocol):
    @property
    def conversations(self) -> ConversationRepository: ...


class ConversationStore(ConversationReader, Protocol):
    async def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Readable:
    """Whose conversations a caller may read — the one source of the rule for the service
    (`owns`, `mine`), the repository's WHERE clauses and the compiled read path: every
    conversation (`everyone`, admins), a customer's (`customer_id`), a user's (`user_id`), or
    none (all unset: an anonymous caller, an account without its customer)."""

    customer_id: int | None = None
    user_id: int | None = None
    everyone: bool = False

    def covers(self, conversation: Conversation) -> bool:
        if self.everyone:
            return True
        if self.customer_id is not None:
            return conversation.customer_id == self.customer_id
        return self.user_id is not None and conversation.user_id == self.user_id


NOBODY = Readable()


def readable_by(principal: Principal) -> Readable:
    """A customer reads their own conversations; another signed-in user (staff) those they
    started; admins all."""
    if principal.role is Role.ADMIN:
        return Readable(everyone=True)
    if principal.role is Role.CUSTOMER:
        return (
            NOBODY if principal.customer_id is None else Readable(customer_id=principal.customer_id)
        )
    if principal.is_authenticated and principal.user_id is not None:
        return Readable(user_id=principal.user_id)
    return NOBODY


class MessagesOf(Enum):
    """The relation of a conversation's messages (a read plan's nested list)."""

    CONVERSATION = "conversation"


def owns(principal: Principal, conversation: Conversation) -> bool:
    return readable_by(principal).covers(conversation)


def title_of(question: str) -> str:
    title = " ".join(question.split())[:TITLE_LENGTH]
    return title or "(empty question)"


def turns_of(messages: Sequence[Message]) -> list[Turn]:
    """Pairs each question with the answer that followed it."""
    turns: list[Turn] = []
    question: str | None = None
    for message in messages:
        if message.role == "user":
            question = message.content
        elif question is not None:
            turns.append(Turn(question, message.content, message.agent))
            question = None
    return turns


class ConversationService:
    """Reading the caller's conversations (a read-only unit is enough)."""

    def __init__(self, uow: ConversationReader, principal: Principal) -> None:
        self._uow = uow
        self.principal = principal

    async def get(self, conversation_id: int) -> Conversation:
        """The caller's conversation; someone else's reads as not found (ids do not leak)."""
        require_authenticated(self.principal)
        found = await self._uow.conversations.get(conversation_id)
        if found is None or not owns(self.principal, found):
            raise NotFound("Conversation", conversation_id)
        return found

    async def mine(self) -> list[Conversation]:
        require_authenticated(self.principal)
        readable = readable_by(self.principal)
        if readable == NOBODY:
            return []
        return await self._uow.conversations.owned_by(readable)

    async def messages(self, conversation_id: int) -> list[Message]:
        await self.get(conversation_id)
        return await self._uow.conversations.messages(conversation_id)

    async def recent_turns(self, conversation_id: int | None, turns: int) -> list[Turn]:
        """The last `turns` exchanges of the caller's conversation (none for a new one)."""
        if conversation_id is None or turns <= 0:
            return []
        await self.get(conversation_id)
        messages = await self._uow.conversations.messages(conversation_id, last=2 * turns)
        return turns_of(messages)[-turns:]


class ConversationRecorder(ConversationService):
    """Reading and recording: needs a unit that commits."""

    def __init__(self, uow: ConversationStore, principal: Principal) -> None:
        super().__init__(uow, principal)
        self._store = uow

    async def record(self, conversation_id: int | None, question: str, answer: NewMessage) -> int:
        """Stores the question and its answer (in a new conversation when none is given) and
        commits. Returns the conversation id."""
        if conversation_id is None:
            is_customer = self.principal.role is Role.CUSTOMER
            conversation_id = await self._store.conversations.create(
                self.principal.customer_id if is_customer else None,
                self.principal.user_id if self.principal.is_authenticated else None,
                title_of(question),
            )
        else:
            await self.get(conversation_id)
        await self._store.conversations.add_messages(
            conversation_id, [NewMessage(role="user", content=question), answer]
        )
        await self._store.commit()
        return conversation_id
