"""Agent conversations and their messages (tables of migration 0008)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, false, insert, select

from domain.conversations import Conversation, Message, MessagesOf, NewMessage, Readable
from persistence.keyset import Link, Listing
from persistence.models import Conversation as ConversationRow
from persistence.models import Message as MessageRow
from persistence.repositories.base import Repository

_C = ConversationRow.__table__.c
_M = MessageRow.__table__.c


def _conversation(row: Any) -> Conversation:
    return Conversation(
        id=row.conversation_id,
        customer_id=row.customer_id,
        user_id=row.user_id,
        title=row.title,
        created_at=row.created_at,
    )


def _message(row: Any) -> Message:
    return Message(
        id=row.message_id,
        conversation_id=row.conversation_id,
        role=row.role,
        agent=row.agent,
        content=row.content,
        steps=tuple(row.steps or ()),
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        latency_ms=row.latency_ms,
        created_at=row.created_at,
    )


def readable_conditions(readable: Readable, row: FromClause) -> list[ColumnElement[bool]]:
    """WHERE clauses of the conversations `readable` covers (`Readable.covers` in SQL), over
    the conversation table or an alias of it: for the repository and the compiled read path."""
    if readable.everyone:
        return []
    if readable.customer_id is not None:
        return [row.c.customer_id == readable.customer_id]
    if readable.user_id is not None:
        return [row.c.user_id == readable.user_id]
    return [false()]


def conversation_order(row: FromClause) -> list[ColumnElement[object]]:
    """A caller's conversations: newest first."""
    return [row.c.created_at.desc(), row.c.conversation_id.desc()]


def message_order(row: FromClause) -> list[ColumnElement[object]]:
    """A conversation's messages: oldest first, in the order they were recorded."""
    return [row.c.message_id.asc()]


#: The tables as the compiled read path reads them (persistence/read_sql.py).
CONVERSATIONS: Listing[Conversation] = Listing(
    ConversationRow.__table__, list(_C), _C.conversation_id, _conversation
)
MESSAGES: Listing[Message] = Listing(
    MessageRow.__table__,
    list(_M),
    _M.message_id,
    _message,
    links={MessagesOf.CONVERSATION: Link(MessageRow.__table__, _M.conversation_id)},
)


class SqlConversationRepository(Repository):
    async def create(self, customer_id: int | None, user_id: int | None, title: str) -> int:
        statement = (
            insert(ConversationRow)
            .values(customer_id=customer_id, user_id=user_id, title=title)
            .returning(_C.conversation_id)
        )
        conversation_id: int = await self._run.scalar(statement)
        return conversation_id

    async def get(self, conversation_id: int) -> Conversation | None:
        row = await self._run.one_or_none(
            select(ConversationRow.__table__).where(_C.conversation_id == conversation_id)
        )
        return None if row is None else _conversation(row)

    async def owned_by(self, readable: Readable) -> list[Conversation]:
        table = ConversationRow.__table__
        statement = (
            select(table)
            .where(*readable_conditions(readable, table))
            .order_by(*conversation_order(table))
        )
        return [_conversation(row) for row in await self._run.all(statement)]

    async def messages(self, conversation_id: int, last: int | None = None) -> list[Message]:
        statement = (
            select(MessageRow.__table__)
            .where(_M.conversation_id == conversation_id)
            .order_by(_M.message_id.desc())
        )
        if last is not None:
            statement = statement.limit(last)
        rows = await self._run.all(statement)
        return [_message(row) for row in reversed(rows)]

    async def add_messages(self, conversation_id: int, messages: Sequence[NewMessage]) -> None:
        for message in messages:  # one by one: ids then follow the order asked
            await self._run.scalar(
                insert(MessageRow)
                .values(
                    conversation_id=conversation_id,
                    role=message.role,
                    agent=message.agent,
                    content=message.content,
                    steps=[dict(step) for step in message.steps],
                    prompt_tokens=message.prompt_tokens,
                    completion_tokens=message.completion_tokens,
                    latency_ms=message.latency_ms,
                )
                .returning(_M.message_id)
            )
