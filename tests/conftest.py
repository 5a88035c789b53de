"""Shared fixtures: a hub and three Pemda created once per test session in the test database.

Cast: Jakarta (the pilot, WIB), Jawa Barat (province) and Kota Bekasi (its kota) — Bekasi is
the "other tenant" every isolation test looks from. Users: alice (Jakarta tenant admin),
bob (Bekasi officer), charlie (no membership anywhere).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import django.test.client
import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.client import ClientHandler
from django_tenants.utils import tenant_context
from rest_framework.throttling import SimpleRateThrottle

from complaints.seed import categories_seed
from lapor.celery import broker_prepare
from lapor.lanes import Lanes
from lapor.localcache import local_clear
from tenants.models import Pemda, PemdaKind, TimeZone
from tenants.pilot import JAKARTA
from tenants.services import PemdaSpec, hub_ensure, pemda_create
from tests.helpers import REPO, celery_worker_command, database_url, process_env

JABAR = PemdaSpec(code="32", name="Provinsi Jawa Barat", kind=PemdaKind.PROVINSI, slug="jabar", timezone=TimeZone.WIB)
BEKASI = PemdaSpec(
    code="32.75", name="Kota Bekasi", kind=PemdaKind.KOTA, slug="bekasi", timezone=TimeZone.WIB, parent_code="32"
)


class _LanedClientHandler(Lanes[ClientHandler]):
    """The test client routes as lapor.wsgi does: citizen API paths through their short chain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(lambda: ClientHandler(*args, **kwargs))

    def __call__(self, environ: dict[str, Any]) -> Any:
        return self.handler_for(environ["PATH_INFO"])(environ)


@pytest.fixture(scope="session", autouse=True)
def _client_routes_like_wsgi() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(django.test.client, "ClientHandler", _LanedClientHandler)
        yield


@pytest.fixture(scope="session", autouse=True)
def _test_client_logins_pass_the_second_factor() -> Iterator[None]:
    # Client.login()/force_login() skip /masuk/ (unit tests of other things): for staff they also
    # mark the session verified with a real authenticator of the known test key (tests.two_factor),
    # as the second step would. The two steps themselves: tests/accounts/test_two_factor.py.
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import two_factor
    from tests.two_factor import otp_enrol

    original = django.test.client.Client._login

    def _login(self: Any, user: Any, backend: Any = None) -> None:
        original(self, user, backend)
        if two_factor.required_for(user):
            session = self.session  # the session just saved (in the current schema)
            session[DEVICE_ID_SESSION_KEY] = otp_enrol(user).persistent_id
            session.save()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(django.test.client.Client, "_login", _login)
        yield


@pytest.fixture(autouse=True)
def _basic_credentials_for_the_api_tests(settings: Any) -> None:
    # The API tests call the staff API with Basic credentials, which carry no second factor and are
    # refused for staff in a deployment (LAPOR_API_BASIC_AUTH off; tests/accounts/test_two_factor.py
    # proves it). Two-factor sign-in itself stays required (LAPOR_OTP_REQUIRED is not touched).
    settings.LAPOR_API_BASIC_AUTH = True


@pytest.fixture(scope="session")
def tenants_registry(_test_database: None, django_db_blocker: Any) -> dict[str, Pemda]:
    # Through _test_database: a run of only process tests (no `db` mark) still gets the test database.
    with django_db_blocker.unblock():
        hub = hub_ensure()
        jakarta = pemda_create(spec=JAKARTA)
        jabar = pemda_create(spec=JABAR)
        bekasi = pemda_create(spec=BEKASI)
        for pemda in (jakarta, bekasi):
            with tenant_context(pemda):
                categories_seed(pemda)
    return {"hub": hub, "jakarta": jakarta, "jabar": jabar, "bekasi": bekasi}


@pytest.fixture(scope="session")
def _test_database(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.settings_dict["TEST"]["NAME"]:
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture
def committed(_test_database: None, django_db_blocker: Any, tenants_registry: dict[str, Any]) -> Iterator[None]:
    """Database access outside a test transaction: what is written is committed, and stays."""
    assert connection.settings_dict["NAME"] == connection.settings_dict["TEST"]["NAME"]
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


@pytest.fixture(scope="module")
def celery_worker_queue(tenants_registry: dict[str, Pemda], _test_database: None) -> Iterator[str]:
    """A real `celery worker` process (one prefork child) consuming a queue of its own.

    Its mail goes to files under var/test-mail-<queue>/ so a test can read what was sent.
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # Before the worker starts: the worker and this process's first publish must not both create it.
    broker_prepare(queue)
    env = process_env(
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
        LAPOR_VAR_DIR=str(REPO / "var" / f"test-{queue}"),
    )
    worker = subprocess.Popen(celery_worker_command(queue=queue), env=env, cwd=REPO)
    try:
        yield queue
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.fixture
def hub(tenants_registry: dict[str, Pemda], db: None) -> Pemda:
    return tenants_registry["hub"]


@pytest.fixture
def jakarta(tenants_registry: dict[str, Pemda], db: None) -> Pemda:
    return tenants_registry["jakarta"]


@pytest.fixture
def bekasi(tenants_registry: dict[str, Pemda], db: None) -> Pemda:
    return tenants_registry["bekasi"]


@pytest.fixture(autouse=True)
def _intake_limits_out_of_the_way(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests file many reports from one address and one phone number; the limits have their own tests
    # (tests/complaints/test_rate_limits.py), which set the rates they test.
    generous = {"intake_address": "100000/hour", "intake_phone": "100000/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", generous)


@pytest.fixture(autouse=True)
def _public_schema_and_clean_caches() -> Iterator[None]:
    # Each test starts in the public schema with empty caches, as a fresh request would.
    caches["tenancy"].clear()
    caches["default"].clear()
    local_clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def in_tenant() -> Any:
    return tenant_context
