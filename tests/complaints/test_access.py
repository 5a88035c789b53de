"""Who sees what: unit subtrees, re-disposition limits, and the anonim reporter's identity."""

from __future__ import annotations

import json

from django.db import connection
from django_tenants.utils import tenant_context

from complaints.models import AuditEvent, Report
from tenants.models import Pemda
from tests.complaints.conftest import Api, JakartaUnits

SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, SECRET_NIK = (
    "Budi Santoso",
    "budi.rahasia@example.id",
    "081298765432",
    "3171012345678901",
)


def _disposed(api: Api, units: JakartaUnits, unit_id: int, **fields: object) -> tuple[dict[str, str], int]:
    submitted = api.submit(**fields)
    report_id = api.officer_id(submitted["tracking_id"])
    assert (
        api.post(f"/api/v1/officer/reports/{report_id}/verify/", {"unit_id": unit_id}, user="vera").status_code == 200
    )
    return submitted, report_id


def test_officer_cannot_read_another_units_report(api: Api, cast: dict[str, object], units: JakartaUnits) -> None:
    _submitted, report_id = _disposed(api, units, units.pju.pk)
    # Olga works at Bina Marga: the street-lighting report is not hers to see, in detail or in lists.
    assert api.get(f"/api/v1/officer/reports/{report_id}/", user="olga").status_code == 404
    assert api.get("/api/v1/officer/reports/", user="olga").json()["results"] == []
    # Otto's section and Hana's whole dinas (its parent) do see it.
    assert api.get(f"/api/v1/officer/reports/{report_id}/", user="otto").status_code == 200
    assert api.get(f"/api/v1/officer/reports/{report_id}/", user="hana").status_code == 200


def test_redisposition_stays_inside_the_heads_subtree(api: Api, cast: dict[str, object], units: JakartaUnits) -> None:
    _submitted, report_id = _disposed(api, units, units.dpe.pk)
    outside = api.post(f"/api/v1/officer/reports/{report_id}/dispose/", {"unit_id": units.dbm.pk}, user="hana")
    assert outside.status_code == 403
    assert "di luar cabang unit Anda" in outside.json()["detail"]
    officer = api.post(f"/api/v1/officer/reports/{report_id}/dispose/", {"unit_id": units.pju.pk}, user="otto")
    assert officer.status_code in (403, 404)
    inside = api.post(f"/api/v1/officer/reports/{report_id}/dispose/", {"unit_id": units.listrik.pk}, user="hana")
    assert inside.status_code == 200


def test_anonim_identity_reaches_no_officer_response(
    api: Api, cast: dict[str, object], units: JakartaUnits, jakarta: Pemda
) -> None:
    _submitted, report_id = _disposed(
        api,
        units,
        units.pju.pk,
        privacy="anonim",
        reporter_name=SECRET_NAME,
        reporter_email=SECRET_EMAIL,
        reporter_phone=SECRET_PHONE,
        reporter_nik=SECRET_NIK,
    )
    bodies = []
    for user in ("vera", "adi", "hana", "otto", "pia", "audi"):
        bodies.append(api.get("/api/v1/officer/reports/", user=user).content.decode())
        bodies.append(api.get(f"/api/v1/officer/reports/{report_id}/", user=user).content.decode())
        bodies.append(api.get(f"/api/v1/officer/reports/{report_id}/duplicates/", user=user).content.decode())
    bodies.append(
        api.post(
            f"/api/v1/officer/reports/{report_id}/followups/", {"text": "Sedang dikerjakan"}, user="otto"
        ).content.decode()
    )
    bodies.append(api.get(f"/api/v1/officer/reports/{report_id}/audit/", user="audi").content.decode())
    for body in bodies:
        for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, SECRET_NIK, "Budi"):
            assert secret not in body
    detail = json.loads(bodies[1])
    assert detail["reporter"] is None

    # Encrypted at rest: the raw row holds none of it either.
    with tenant_context(jakarta), connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(r)::text FROM complaints_report r WHERE id = %s", [report_id])
        raw = cursor.fetchone()[0]
    for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, SECRET_NIK):
        assert secret not in raw


def test_only_the_verifikator_reveals_and_it_is_audited(
    api: Api, cast: dict[str, object], units: JakartaUnits, jakarta: Pemda
) -> None:
    _submitted, report_id = _disposed(api, units, units.pju.pk, privacy="anonim", reporter_name=SECRET_NAME)
    path = f"/api/v1/officer/reports/{report_id}/reveal-identity/"
    for user in ("otto", "hana", "pia", "audi", "adi"):
        assert api.post(path, {"reason": "ingin tahu"}, user=user).status_code in (403, 404), user
    assert api.post(path, {"reason": ""}, user="vera").status_code == 400
    revealed = api.post(path, {"reason": "Pelapor perlu dihubungi untuk akses lokasi"}, user="vera")
    assert revealed.status_code == 200
    assert revealed.json()["name"] == SECRET_NAME
    with tenant_context(jakarta):
        event = AuditEvent.objects.get(report_id=report_id, action="identity_revealed")
        assert event.actor_label == "vera"
        assert event.data["reason"] == "Pelapor perlu dihubungi untuk akses lokasi"


def test_public_identity_is_shown_to_officers_but_never_to_the_public(
    api: Api, cast: dict[str, object], units: JakartaUnits
) -> None:
    submitted, report_id = _disposed(api, units, units.pju.pk, privacy="public", reporter_name="Siti Aminah")
    assert api.get(f"/api/v1/officer/reports/{report_id}/", user="otto").json()["reporter"]["name"] == "Siti Aminah"
    public = api.get(f"/api/v1/reports/track/{submitted['tracking_id']}/")
    assert public.status_code == 200
    assert "Siti" not in public.content.decode()


def test_rahasia_report_does_not_exist_for_the_public(api: Api, cast: dict[str, object]) -> None:
    submitted = api.submit(privacy="rahasia")
    assert api.get(f"/api/v1/reports/track/{submitted['tracking_id']}/").status_code == 404
    assert (
        api.get(
            f"/api/v1/reports/track/{submitted['tracking_id']}/", HTTP_X_REPORTER_TOKEN=submitted["reporter_token"]
        ).status_code
        == 200
    )


def test_default_privacy_is_the_safest(api: Api, cast: dict[str, object], jakarta: Pemda) -> None:
    body = {"category": "sampah", "title": "Sampah menumpuk", "text": "Sampah di pasar tidak diangkut tiga hari."}
    response = api.post("/api/v1/reports/", body)
    assert response.status_code == 201
    with tenant_context(jakarta):
        assert Report.objects.get(tracking_id=response.json()["tracking_id"]).privacy == "anonim_rahasia"
