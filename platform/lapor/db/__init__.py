"""PostgreSQL backend: django-tenants' wrapper that skips redundant `SET search_path`."""
