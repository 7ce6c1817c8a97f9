"""The evaluation set of the agents and `pagila-graph eval` (docs/decisions/0064)."""
