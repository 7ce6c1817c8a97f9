"""What the orchestration tells the model connectors, kept apart from both so that neither
imports the other:

* `CONTEXT_PREFIX`: the orchestration (agents/orchestration.py) prefixes each note it leaves
  for the agent it hands over to; the providers that read a conversation (the local model, the
  demo model) recognise these messages by it;
* `ARGUMENT_SCHEMAS_KEY`: the execution settings' `extension_data` key under which the
  orchestration gives, per `Plugin-function.parameter`, what the question lets it take
  (`agents.grounding.argument_schemas`); a connector that constrains its output (the local
  model's grammar) admits only those values, others ignore it;
* `FUNCTION_EXAMPLES_KEY`: worked examples of calls per function (fully qualified name →
  `[{"question": ..., "arguments": {...}}]`), for a connector that shows examples to a small
  model (the local one); the plugins and the orchestration own them, not the connector.
"""

from __future__ import annotations

CONTEXT_PREFIX = "[context from "
ARGUMENT_SCHEMAS_KEY = "argument_schemas"
FUNCTION_EXAMPLES_KEY = "function_examples"
