"""Passage → mentions and facts: one module per entity type (see kg/extract/base.py for the records)."""
