"""User accounts (public schema) and their per-tenant memberships."""
