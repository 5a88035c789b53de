"""Public index of due deadlines across all Pemda, so SLA work costs nothing for quiet tenants."""
