"""Offboarding: archive (read-only, still visible to the hub), export, delete with confirmation, restore."""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from agencies.models import Unit
from tenants.models import Pemda, PemdaStatus
from tenants.offboarding import pemda_archive, pemda_delete, pemda_export, pemda_restore
from tenants.selectors import pemda_onboarding_list
from tenants.services import OnboardingError, pemda_onboard

pytestmark = pytest.mark.slow


def _drop(*codes: str) -> None:
    for code in codes:
        if Pemda.objects.filter(code=code).exists():
            pemda_archive(code=code)
            pemda_delete(code=code, confirm=code)


@pytest.fixture
def gorontalo(committed: None) -> Iterator[Pemda]:
    """Kota Gorontalo, committed (pg_dump and other processes only see committed data)."""
    _drop("75.71", "75")
    pemda_onboard(code="75.71")
    yield Pemda.objects.get(code="75.71")
    _drop("75.71", "75")


def _units(pemda: Pemda) -> list[tuple[str, str]]:
    with tenant_context(pemda):
        return list(Unit.objects.order_by("code").values_list("code", "path"))


def test_archived_pemda_is_read_only_and_still_listed(gorontalo: Pemda) -> None:
    pemda_archive(code="75.71")
    client = Client()
    page = client.get("/", HTTP_HOST="kota-gorontalo.localhost")
    assert page.status_code == 200 and "Kota Gorontalo" in page.content.decode()
    refused = client.post(
        "/api/v1/auth/login/", {"username": "x", "password": "y"}, HTTP_HOST="kota-gorontalo.localhost"
    )
    assert refused.status_code == 403 and "diarsipkan" in refused.content.decode()
    row = next(r for r in pemda_onboarding_list(province="75") if r.region.code == "75.71")
    assert row.state == "archived"


def test_delete_needs_the_exact_code_and_an_archived_pemda(gorontalo: Pemda) -> None:
    with pytest.raises(OnboardingError, match="arsipkan dulu"):
        pemda_delete(code="75.71", confirm="75.71")
    pemda_archive(code="75.71")
    for wrong in ("", "75.7", "75", "ya"):
        with pytest.raises(OnboardingError, match="sama persis"):
            pemda_delete(code="75.71", confirm=wrong)
    # The province cannot go while one of its kota is registered.
    pemda_archive(code="75")
    with pytest.raises(OnboardingError, match="kabupaten/kota terdaftar"):
        pemda_delete(code="75", confirm="75")
    assert schema_exists("pemda_75_71") and schema_exists("pemda_75")


def test_export_delete_restore_brings_the_same_pemda_back(gorontalo: Pemda, tmp_path: Path) -> None:
    with tenant_context(gorontalo):
        Unit.objects.filter(code="DISHUB").update(name="Dinas Perhubungan Kota Gorontalo")  # a local change
    units = _units(gorontalo)
    pemda_archive(code="75.71")

    export = pemda_export(code="75.71", directory=tmp_path)
    with tarfile.open(export) as tar:
        assert sorted(tar.getnames()) == ["registry.json", "schema.dump"]
    pemda_delete(code="75.71", confirm="75.71")
    assert not schema_exists("pemda_75_71")
    assert Client().get("/", HTTP_HOST="kota-gorontalo.localhost").status_code == 404

    restored = pemda_restore(path=export)

    assert (restored.code, restored.status, restored.timezone_label) == ("75.71", PemdaStatus.ARCHIVED, "WITA")
    assert _units(restored) == units
    with tenant_context(restored):
        assert Unit.objects.get(code="DISHUB").name == "Dinas Perhubungan Kota Gorontalo"
    assert restored.memberships.filter(role="tenant_admin").exists()
    assert Client().get("/", HTTP_HOST="kota-gorontalo.localhost").status_code == 200
    with pytest.raises(OnboardingError, match="sudah ada"):
        pemda_restore(path=export)


def test_offboarding_command_refuses_a_wrong_confirmation(
    gorontalo: Pemda, manage: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    assert manage("offboard_pemda", "archive", "75.71").returncode == 0
    wrong = manage("offboard_pemda", "delete", "75.71", "--confirm", "75.7")
    assert wrong.returncode != 0 and "sama persis" in wrong.stderr
    assert schema_exists("pemda_75_71")
    right = manage("offboard_pemda", "delete", "75.71", "--confirm", "75.71")
    assert right.returncode == 0, right.stderr
    assert not schema_exists("pemda_75_71") and not Pemda.objects.filter(code="75.71").exists()


def test_restore_script_leaves_out_settings_the_server_lacks_but_never_copy_data() -> None:
    from tenants.schemas import script_for_server

    script = (
        "SET statement_timeout = 0;\n"
        "SET transaction_timeout = 0;\n"
        "COPY pemda_x.complaints_followup (text) FROM stdin;\n"
        "SET transaction_timeout = 0; (a citizen's words)\n"
        "\\.\n"
        "SET transaction_timeout = 0;\n"
    )
    assert script_for_server(script, frozenset({"statement_timeout"})) == (
        "SET statement_timeout = 0;\n"
        "COPY pemda_x.complaints_followup (text) FROM stdin;\n"
        "SET transaction_timeout = 0; (a citizen's words)\n"
        "\\.\n"
    )
