"""Native plugins (domain services as tools) and the LLMAgent's prompt plugins."""
