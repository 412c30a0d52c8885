"""Source modules: request building and pure parsers. Nothing here imports Dagster."""
