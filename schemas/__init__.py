"""Versioned wire contracts of livefest (see contract.md section 1) and the ClickHouse DDL."""

from schemas.snapshot import (
    CATEGORIES,
    COUNTIES,
    PLATFORMS,
    SCHEMA_ID,
    SPECIALS,
    Snapshot,
)

__all__ = ["CATEGORIES", "COUNTIES", "PLATFORMS", "SCHEMA_ID", "SPECIALS", "Snapshot"]
