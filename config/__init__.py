"""Settings and logging: a leaf package that imports nothing of this project.

Every layer may read it; only the composition root (`pagila_graph/`) builds the settings object
and configures logging (docs/decisions/0006-composition-root.md).
"""
