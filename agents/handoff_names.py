"""The names of Semantic Kernel's handoff functions, in one place.

SK exports the plugin's name (`HANDOFF_PLUGIN_NAME`, "Handoff"); the function names it builds
inside `HandoffAgentActor` (`transfer_to_<agent>`, `complete_task`) are not exported, so they
are written once here, next to the import, for the orchestration, the connectors' function
filters and the local model's prompt examples.
"""

from __future__ import annotations

from semantic_kernel.agents.orchestration.handoffs import HANDOFF_PLUGIN_NAME

__all__ = [
    "COMPLETE_TASK",
    "COMPLETE_TASK_FUNCTION",
    "HANDOFF_PLUGIN_NAME",
    "TRANSFER_PREFIX",
    "transfer_function",
]

TRANSFER_PREFIX = "transfer_to_"
COMPLETE_TASK = "complete_task"
#: fully qualified, as function choices name it
COMPLETE_TASK_FUNCTION = f"{HANDOFF_PLUGIN_NAME}-{COMPLETE_TASK}"


def transfer_function(agent: str) -> str:
    """`Handoff-transfer_to_<agent>`, fully qualified."""
    return f"{HANDOFF_PLUGIN_NAME}-{TRANSFER_PREFIX}{agent}"
