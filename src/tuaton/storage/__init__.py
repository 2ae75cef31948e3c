"""Storage: the relational database (SQLAlchemy) and the ephemeral store (in-process or Redis)."""
