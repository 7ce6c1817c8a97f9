"""Business reports as queries (sales by store, by film category, top customers)."""
