"""A reporter's confirmation e-mail travels the real way: commit, relay batch, broker, worker, mail."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from complaints import services
from complaints.models import Notification, NotificationStatus
from complaints.seed import categories_seed
from complaints.selectors import active_category
from tenants.models import Pemda
from tests.helpers import REPO

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_confirmation_mail_is_sent_by_a_worker_after_commit(
    celery_worker_queue: str, tenants_registry: dict[str, Pemda], committed: None, monkeypatch: Any
) -> None:
    # Jawa Barat: its committed rows stay out of the Jakarta tests' way.
    monkeypatch.setattr(settings, "LAPOR_NOTIFICATION_QUEUE", celery_worker_queue)
    jabar = tenants_registry["jabar"]
    with tenant_context(jabar):
        categories_seed(jabar)
        category = active_category(code="banjir")
        assert category is not None
        submission = services.report_submit(
            type="pengaduan",
            category=category,
            title="Banjir di Jalan Pasteur",
            text="Air setinggi betis sejak pagi, saluran tersumbat.",
            reporter=services.ReporterIdentity(email="warga.bandung@example.id"),
            privacy="public",
        )
        tracking_id = submission.report.tracking_id
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline:
            status = Notification.objects.get(report__tracking_id=tracking_id, event="submitted").status
            if status != NotificationStatus.PENDING:
                break
            time.sleep(0.3)
    assert status == NotificationStatus.SENT
    mail_dir = REPO / "var" / f"test-{celery_worker_queue}" / "mail"
    sent = "".join(p.read_text() for p in mail_dir.glob("*.log"))
    assert f"Laporan {tracking_id} diterima" in sent
    assert "warga.bandung@example.id" in sent
