"""Per-request tenancy cost: the host lookup is cached and an unchanged search_path is not re-sent."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain, Pemda


def _queries(client: Client, host: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/", HTTP_HOST=host).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_repeat_requests_skip_domain_lookup_and_search_path(jakarta: Pemda) -> None:
    client = Client()
    first = _queries(client, "jakarta.localhost")
    assert any("tenants_domain" in q for q in first)
    second = _queries(client, "jakarta.localhost")
    # The second request to the same host costs neither the domain query nor a SET search_path.
    assert not any("tenants_domain" in q for q in second)
    assert not any(q.upper().startswith("SET SEARCH_PATH") for q in second)


def test_switching_tenant_does_set_the_search_path(jakarta: Pemda, bekasi: Pemda) -> None:
    client = Client()
    _queries(client, "jakarta.localhost")
    on_bekasi = _queries(client, "bekasi.localhost")
    assert any(q.upper().startswith("SET SEARCH_PATH") and "pemda_32_75" in q for q in on_bekasi)


def test_domain_change_invalidates_the_cached_host(jakarta: Pemda) -> None:
    client = Client()
    assert client.get("/", HTTP_HOST="jakarta.localhost").status_code == 200
    domain = Domain.objects.get(domain="jakarta.localhost")
    domain.domain = "lapor.jakarta.localhost"
    domain.save()
    assert client.get("/", HTTP_HOST="jakarta.localhost").status_code == 404
    assert client.get("/", HTTP_HOST="lapor.jakarta.localhost").status_code == 200


def test_first_request_to_a_host_after_another_pemda_finds_it_in_public(jakarta: Pemda, bekasi: Pemda) -> None:
    """The middleware no longer points the connection at public before every lookup: a host not
    yet cached is read from public even while the connection still points at the last Pemda,
    and the request is then served from its own schema."""
    from django_tenants.utils import schema_context

    from complaints.models import Category
    from lapor.localcache import local_clear

    client = Client()
    _queries(client, "bekasi.localhost")
    with schema_context(bekasi.schema_name):
        Category.objects.filter(code="jalan").update(name="Jalan Bekasi")
    local_clear()
    assert connection.schema_name == bekasi.schema_name
    first = _queries(client, "jakarta.localhost")
    assert any("tenants_domain" in q for q in first)
    assert connection.schema_name == jakarta.schema_name
    names = {c["code"]: c["name"] for c in client.get("/api/v1/categories/", HTTP_HOST="jakarta.localhost").json()}
    assert names["jalan"] != "Jalan Bekasi"
    assert client.get("/", HTTP_HOST="nowhere.localhost").status_code == 404
    assert connection.schema_name == "public"


def test_same_pemda_again_keeps_its_search_path_until_a_rollback_discards_it(jakarta: Pemda, bekasi: Pemda) -> None:
    from django.db import transaction

    from complaints.models import Category

    def sets(run: object) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            run()  # type: ignore[operator]
        return [q["sql"] for q in ctx.captured_queries if q["sql"].upper().startswith("SET SEARCH_PATH")]

    connection.set_tenant(jakarta)
    assert sets(lambda: Category.objects.count())
    connection.set_tenant(jakarta)
    assert sets(lambda: Category.objects.count()) == []
    connection.set_tenant(bekasi)
    Category.objects.filter(code="jalan").update(name="Jalan Bekasi")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():  # the savepoint is taken on Bekasi
        connection.set_tenant(jakarta)
        assert sets(lambda: Category.objects.count())  # SET to Jakarta inside the savepoint ...
        raise Undo
    # ... is reverted by its rollback: the server went back to Bekasi, and the same tenant set
    # again must not trust the forgotten SET, or this would read Bekasi's categories.
    connection.set_tenant(jakarta)
    assert Category.objects.filter(name="Jalan Bekasi").count() == 0
