"""livefest: shared pieces of the festival metrics pipeline (settings, semantics, storage)."""
