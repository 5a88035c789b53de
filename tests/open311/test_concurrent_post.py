"""Copies of one POST arriving together (a client retrying before the first answer came) make
one report. Real threads, each with its own database connection, so the rows are committed:
they go to Jawa Barat, which no other test counts reports of."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from complaints.models import Report
from complaints.seed import categories_seed
from open311.services import apiclient_issue
from tenants.models import Pemda

COPIES = 4


def test_simultaneous_copies_of_one_post_make_one_report(
    _test_database: None, committed: None, tenants_registry: dict[str, Pemda]
) -> None:
    jabar = tenants_registry["jabar"]
    run = uuid.uuid4().hex[:8]
    with tenant_context(jabar):
        categories_seed(jabar)
        key = apiclient_issue(name=f"Uji serentak {run}", actor_user_id=0).key
    form = {
        "api_key": key,
        "service_code": "jalan",
        "address_string": "Jl. Raya Bogor km 30",
        "description": f"Jalan provinsi berlubang dalam di km 30, sudah dua motor jatuh. ({run})",
    }
    barrier = threading.Barrier(COPIES)
    answers: list[tuple[int, Any]] = []

    def post() -> None:
        try:
            barrier.wait(timeout=30)
            response = Client(HTTP_HOST="jabar.localhost").post("/open311/v2/requests.json", form)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == COPIES, answers
    assert {status for status, _body in answers} == {200}, answers
    assert len({body[0]["service_request_id"] for _status, body in answers}) == 1, answers
    with tenant_context(jabar):
        assert Report.objects.filter(text=form["description"]).count() == 1
