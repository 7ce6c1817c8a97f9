"""How the orchestration labels what one agent found for the agent it hands over to.

The orchestration (agents/orchestration.py) prefixes each note with `CONTEXT_PREFIX`; the model
providers that read a conversation (the local model, the scripted one of the tests) recognise
these messages by it. Kept here, apart from both, so that neither imports the other.
"""

from __future__ import annotations

CONTEXT_PREFIX = "[context from "
