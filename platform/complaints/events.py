"""Signals other apps listen to, so that complaints never imports them (performance, later channels).

`report_changed` is sent inside the transaction of every change of a report (intake included);
`tenant_sla_processed` after a worker took a Pemda's due clocks, which happens for every Pemda
with pending work, and lets listeners catch up on what a lost message left undone.
"""

from django.dispatch import Signal

report_changed = Signal()
tenant_sla_processed = Signal()
# Sent inside the purge's transaction with `report_ids`: the reporters whose identity the
# retention schedule destroyed (complaints.dataprotection); listeners drop their own copies.
identity_purged = Signal()
