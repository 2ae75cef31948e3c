"""The civil registry: the authoritative source of citizens and their ID cards."""
