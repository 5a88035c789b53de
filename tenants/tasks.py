"""A per-tenant worker probe: proves a task runs in the Pemda it was queued from."""

from __future__ import annotations

from typing import Any

from agencies.models import Unit
from lapor.celery import tenant_task
from tenants.context import current_schema, current_tenant


# The name predates this module (the probe lived in lapor.tasks); kept for messages already queued.
@tenant_task(name="lapor.tasks.tenant_probe_task")
def tenant_probe_task() -> dict[str, Any]:
    """The schema, Pemda code and SKPD count the worker saw (tests/lapor/test_celery_tenancy.py)."""
    tenant = current_tenant()
    return {"schema": current_schema(), "code": tenant.code, "units": Unit.objects.count()}
