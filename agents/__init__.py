"""The assistant: kernel factory and model providers, plugins, agents, orchestration, memory."""
