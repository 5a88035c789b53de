"""The report's life inside one Pemda: intake, verification, disposition, follow-up, SLA, closure."""
