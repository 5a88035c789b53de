"""The broker's queues exist before a deployment's processes start side by side.

kombu's SQLAlchemy transport (the default broker) inserts a queue's row on first use; a worker
that loses that insert race to a publisher dies on start-up. `make run`, the worker fixture and
the federation deployments declare their queues first, from one process (`broker_prepare`).
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command

from lapor.celery import broker_prepare

pytestmark = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("sqla+"), reason="checks the SQLAlchemy broker's queue table"
)


def _queue_rows(names: list[str]) -> dict[str, int]:
    url = settings.CELERY_BROKER_URL.removeprefix("sqla+").replace("postgresql+psycopg2://", "postgresql://", 1)
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('kombu_queue')")
            if cur.fetchone() == (None,):  # a broker nobody has used yet
                return {}
            cur.execute("SELECT name, count(*) FROM kombu_queue WHERE name = ANY(%s) GROUP BY name", (names,))
            return dict(cur.fetchall())
    finally:
        conn.close()


def test_queues_are_declared_once_and_again_harmlessly(monkeypatch: Any) -> None:
    own, notify = f"test-prep-{uuid.uuid4().hex[:8]}", f"test-notify-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(settings, "LAPOR_NOTIFICATION_QUEUE", notify)
    default = settings.CELERY_TASK_DEFAULT_QUEUE
    assert _queue_rows([own, notify]) == {}

    assert broker_prepare(own) == [default, notify, own]
    assert _queue_rows([default, notify, own]) == {default: 1, notify: 1, own: 1}

    # The next start of the deployment (`make run` runs the command) declares them again:
    # nothing added, nothing refused.
    out = io.StringIO()
    call_command("broker_prepare", own, own, stdout=out)
    assert out.getvalue().strip() == f"broker queues ready: {default}, {notify}, {own}"
    assert _queue_rows([default, notify, own]) == {default: 1, notify: 1, own: 1}
