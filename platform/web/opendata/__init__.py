"""Open data: anonymised monthly aggregates of a Pemda (and, at the hub, of the nation) as CSV and
JSON, described by a Frictionless Data Package, with small counts suppressed (see tables.py)."""
