"""Tenant registry: every Pemda (and the national hub) with its schema and domains."""
