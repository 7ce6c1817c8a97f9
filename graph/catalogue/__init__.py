"""The catalogue: films, actors, categories, languages, inventory."""
