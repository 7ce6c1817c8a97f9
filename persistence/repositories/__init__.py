"""Repositories: Core statements over the models, domain dataclasses out."""
