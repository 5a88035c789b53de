"""Local runner (embedded PostgreSQL, web + worker + beat) and production deployment notes."""
