"""The agents' API: askAgent, agentStream, filmSummary, conversations."""
