"""Tasks run in the tenant they were queued from, through a real broker and a real worker process."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from lapor.celery import MissingTenantError, app
from tenants.models import Pemda
from tenants.tasks import tenant_probe_task

# django_db so the test database is set up even when only the broker tests are selected (-m broker).
pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def worker_queue(celery_worker_queue: str) -> str:
    return celery_worker_queue


def test_task_queued_from_jakarta_runs_in_jakartas_schema(
    worker_queue: str, tenants_registry: dict[str, Pemda]
) -> None:
    with tenant_context(tenants_registry["jakarta"]):
        from_jakarta = tenant_probe_task.apply_async(queue=worker_queue)
    with tenant_context(tenants_registry["bekasi"]):
        from_bekasi = tenant_probe_task.apply_async(queue=worker_queue)
    # The same worker child runs both: the second must not inherit the first one's schema.
    assert from_jakarta.get(timeout=90)["schema"] == "pemda_31"
    result = from_bekasi.get(timeout=90)
    assert (result["schema"], result["code"]) == ("pemda_32_75", "32.75")


def test_tenant_task_cannot_be_queued_from_public(tenants_registry: dict[str, Pemda]) -> None:
    connection.set_schema_to_public()
    with pytest.raises(MissingTenantError):
        tenant_probe_task.delay()


def test_message_without_tenant_fails_in_the_worker(worker_queue: str, tenants_registry: dict[str, Pemda]) -> None:
    # A message that bypassed the queue-time check (another producer, an old message) names public.
    connection.set_schema_to_public()
    result = app.send_task("lapor.tasks.tenant_probe_task", queue=worker_queue)
    with pytest.raises(Exception, match="refusing to run in public"):
        result.get(timeout=90)
    assert result.state == "FAILURE"
