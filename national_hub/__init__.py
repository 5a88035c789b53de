"""The national hub (public schema): oversight of every Pemda, later K/L registry and routing."""
