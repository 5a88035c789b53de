"""The hub's K/L registry and routing rules (public schema): who handles what, editable in the hub console."""
