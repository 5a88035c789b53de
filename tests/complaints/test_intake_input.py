"""Intake: attachments judged by content, EXIF removed, idempotent retries, field errors in the reporter's language."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from complaints.models import Attachment, Report
from deadlines.models import DueDeadline
from tenants.models import Pemda
from tests.complaints.conftest import Api

FORM = {
    "category": "jalan",
    "title": "Jalan berlubang di Jalan Sudirman",
    "text": "Lubang besar di lajur kiri dekat halte, sudah ada pengendara motor jatuh.",
    "privacy": "public",
}


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraPonsel"  # Make
    exif[0x8825] = {1: "S", 2: (6.0, 12.0, 30.0), 3: "E", 4: (106.0, 49.0, 10.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    assert b"KameraPonsel" in out.getvalue()
    return out.getvalue()


def test_uploaded_photo_loses_its_exif_and_gps(api: Api, jakarta: Pemda) -> None:
    upload = SimpleUploadedFile("IMG_2041.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": [upload]})
    assert response.status_code == 201, response.content
    with tenant_context(jakarta):
        attachment = Attachment.objects.get(report__tracking_id=response.json()["tracking_id"])
        stored = default_storage.open(attachment.file.name).read()
    assert "IMG_2041" not in attachment.file.name  # the server names files
    assert attachment.content_type == "image/jpeg"
    assert b"KameraPonsel" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (64, 48)


def test_mislabelled_attachment_is_refused_and_nothing_is_written(api: Api, jakarta: Pemda) -> None:
    fake = SimpleUploadedFile("foto.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": [fake]})
    assert response.status_code == 400
    assert "bukan gambar" in response.json()["attachments"][0]
    with tenant_context(jakarta):
        assert not Report.objects.filter(title=FORM["title"]).exists()


def test_oversized_attachment_is_refused(api: Api, jakarta: Pemda, settings: object) -> None:
    settings.LAPOR_MAX_ATTACHMENT_BYTES = 2048  # type: ignore[attr-defined]
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * 4096, content_type="application/pdf")
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": [big]})
    assert response.status_code == 400
    assert "terlalu besar" in response.json()["attachments"][0]


def test_retry_with_the_same_idempotency_key_returns_the_first_report(api: Api, jakarta: Pemda) -> None:
    first = api.post("/api/v1/reports/", FORM, HTTP_IDEMPOTENCY_KEY="sms-1708-msg-991")
    retry = api.post("/api/v1/reports/", FORM, HTTP_IDEMPOTENCY_KEY="sms-1708-msg-991")
    assert first.status_code == retry.status_code == 201
    assert retry.json()["tracking_id"] == first.json()["tracking_id"]
    assert retry["Idempotent-Replayed"] == "true"
    with tenant_context(jakarta):
        assert Report.objects.filter(title=FORM["title"]).count() == 1
    other_body = api.post(
        "/api/v1/reports/", {**FORM, "title": "Judul lain sama sekali"}, HTTP_IDEMPOTENCY_KEY="sms-1708-msg-991"
    )
    assert other_body.status_code == 422


def test_the_same_key_from_another_citizen_is_not_a_replay(api: Api, jakarta: Pemda) -> None:
    # Two phones that happen to pick the same key must not receive each other's reporter token.
    first = api.post("/api/v1/reports/", FORM, HTTP_IDEMPOTENCY_KEY="1", REMOTE_ADDR="10.1.1.1")
    other = api.post("/api/v1/reports/", FORM, HTTP_IDEMPOTENCY_KEY="1", REMOTE_ADDR="10.2.2.2")
    assert first.status_code == other.status_code == 201
    assert first.json()["reporter_token"] != other.json()["reporter_token"]
    assert other.get("Idempotent-Replayed") is None


def test_failed_request_does_not_burn_its_idempotency_key(api: Api, jakarta: Pemda) -> None:
    bad = api.post("/api/v1/reports/", {**FORM, "category": "tidak-ada"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert bad.status_code == 400
    good = api.post("/api/v1/reports/", {**FORM, "category": "tidak-ada"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert good.status_code == 400  # same body, still invalid: validated again, not replayed as success


def test_field_errors_are_indonesian_by_default_and_english_when_asked(api: Api) -> None:
    indonesian = api.post("/api/v1/reports/", {"title": "abc"})
    assert indonesian.status_code == 400
    errors = indonesian.json()
    assert set(errors) >= {"category", "text", "title"}
    assert errors["text"] == ["Bidang ini harus diisi."]
    assert "minimal 5 karakter" in errors["title"][0]
    english = api.post("/api/v1/reports/", {"title": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["text"] == ["This field is required."]


def test_limit_messages_are_translated_for_each_request(api: Api, jakarta: Pemda) -> None:
    """The form's fields are built once per process (lapor.serializers); a length or range
    message first shown in English must still come out in Indonesian for the next reporter."""
    bad = {**FORM, "title": "abc", "latitude": "-20", "longitude": "106.8"}
    for _round in range(2):
        english = api.post("/api/v1/reports/", bad, HTTP_ACCEPT_LANGUAGE="en").json()
        assert english["title"] == ["Ensure this field has at least 5 characters."]
        assert english["latitude"] == ["Ensure this value is greater than or equal to -11."]
        indonesian = api.post("/api/v1/reports/", bad).json()
        assert "minimal 5 karakter" in indonesian["title"][0]
        assert "-11" in indonesian["latitude"][0] and "Ensure" not in indonesian["latitude"][0]


def test_service_messages_follow_the_language_too(api: Api, jakarta: Pemda) -> None:
    bad_coords = {**FORM, "latitude": "-6.2"}
    indonesian = api.post("/api/v1/reports/", bad_coords)
    assert indonesian.json()["longitude"] == ["Isi lintang dan bujur bersama-sama."]
    english = api.post("/api/v1/reports/", bad_coords, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["longitude"] == ["Give latitude and longitude together."]


def test_malformed_json_is_a_400_not_a_500(api: Api) -> None:
    response = api.client.post(
        "/api/v1/reports/", "{not json", content_type="application/json", HTTP_HOST="jakarta.localhost"
    )
    assert response.status_code == 400


def test_tracking_id_is_short_random_and_forgiving_to_type(api: Api) -> None:
    first = api.submit()["tracking_id"]
    second = api.submit()["tracking_id"]
    assert len(first) == 10 and first[4] == "-"
    assert first != second
    typed = first.lower().replace("-", "").replace("0", "o")
    assert api.get(f"/api/v1/reports/track/{typed}/").status_code == 200


def test_errors_of_one_form_never_reach_another_sharing_its_built_fields(api: Api, jakarta: Pemda) -> None:
    """The intake form's fields are built once per class (lapor.serializers); each form still
    validates its own data and reports its own errors, in its own language."""
    from django.utils import translation

    from complaints.apis import ReportSubmitInput

    with tenant_context(jakarta):
        bad = ReportSubmitInput(data={"title": "abc", "category": "jalan"})
        good = ReportSubmitInput(data=FORM)
        assert good.is_valid(), good.errors
        with translation.override("en"):
            assert not bad.is_valid()
        assert good.validated_data["title"] == FORM["title"]
        assert set(bad.errors) == {"title", "text"}
        assert bad.errors["text"] == ["This field is required."]
        assert bad.fields["title"].parent is bad and good.fields["title"].parent is good
        # After the English error above, a new form speaks Indonesian again.
        assert ReportSubmitInput(data={}).is_valid() is False
        third = ReportSubmitInput(data={"title": "abc"})
        third.is_valid()
        assert third.errors["text"] == ["Bidang ini harus diisi."]
        # A list field's child belongs to its own list, not to the one the class built.
        assert good.fields["attachments"].child.parent is good.fields["attachments"]
        assert bad.fields["attachments"].child is not good.fields["attachments"].child


def test_intake_writes_every_column_as_the_orm_would(jakarta: Pemda) -> None:
    """complaints.intake passes most values through as the model holds them; for every column
    that must be exactly what Django's own field preparation gives."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.db import connection

    from complaints import intake
    from complaints.models import Category, Notification

    with tenant_context(jakarta):
        category = Category.objects.get(code="jalan")
        at = datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC)
        report = Report(
            tracking_id="ABCD-23456",
            type="pengaduan",
            category=category,
            original_category=category,
            title="Judul",
            original_title="Judul",
            text="Isi laporan",
            latitude=Decimal("-6.200000"),
            longitude=Decimal("106.816666"),
            reporter_email="token",
            submitted_at=at,
            verify_due_at=at,
        )
        notification = Notification(report=report, channel="email", to_reporter=True, event="submitted", subject="s")
        attachment = Attachment(file="pemda_31/reports/x/y.jpg", content_type="image/jpeg", size=10, sha256="0" * 64)
        for obj, exclude in ((report, ("id",)), (notification, ("id", "report_id")), (attachment, ("id", "report_id"))):
            fields = [f for f in type(obj)._meta.concrete_fields if f.column not in exclude]
            # The same-every-time columns go into the statement as constants, the rest as
            # parameters: together, in field order, they must be every value Django would write.
            constants, params = intake._split(obj, exclude)
            expected = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
            fixed = dict(constants)
            rest = iter(params)
            got_values = [fixed[f.attname] if f.attname in fixed else next(rest) for f in fields]
            assert next(rest, None) is None
            for field, got, want in zip(fields, got_values, expected, strict=True):
                if getattr(field, "auto_now_add", False):
                    assert isinstance(got, datetime) and isinstance(want, datetime)
                else:
                    assert (field.name, got) == (field.name, want)


def test_intake_builds_its_rows_as_the_keyword_constructor_would() -> None:
    """complaints.intake.model_new fills a model positionally; the instance must hold what
    Model(**values) gives, defaults included, and a callable default is made for each row."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from complaints.intake import model_new
    from complaints.models import AuditEvent, Notification

    at = datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC)
    cases = [
        (
            Report,
            {
                "tracking_id": "ABCD-23456",
                "category_id": 4,
                "title": "Judul",
                "text": "Isi",
                "latitude": Decimal("-6.200000"),
                "privacy": "public",
                "submitted_at": at,
            },
        ),
        (Notification, {"report_id": None, "to_reporter": True, "event": "submitted", "subject": "s", "body": "b"}),
        (AuditEvent, {"action": "submitted", "at": at}),
    ]
    for model, values in cases:
        built, expected = model_new(model, values), model(**values)
        for field in model._meta.concrete_fields:
            got, want = getattr(built, field.attname), getattr(expected, field.attname)
            assert (field.attname, got, type(got)) == (field.attname, want, type(want))
        assert built._state.adding
    first, second = model_new(AuditEvent, {}), model_new(AuditEvent, {})
    assert first.data == {} and first.data is not second.data


@pytest.mark.parametrize("prepared", [True, False])
def test_intake_on_one_connection_lands_in_each_tenants_own_schema(
    jakarta: Pemda, bekasi: Pemda, settings: Any, prepared: bool
) -> None:
    """Intake runs as a prepared statement per session; switching tenant between two reports
    on the same database connection must still put each report in its own Pemda."""
    settings.DB_PREPARED_STATEMENTS = prepared
    titles = {"jakarta.localhost": "Jalan rusak di Jakarta Pusat", "bekasi.localhost": "Jalan rusak di Bekasi Barat"}
    for _round in range(2):
        for host, title in titles.items():
            response = Api(host).post("/api/v1/reports/", {**FORM, "title": title, "reporter_email": "w@example.id"})
            assert response.status_code == 201, response.content
    for pemda, title in ((jakarta, titles["jakarta.localhost"]), (bekasi, titles["bekasi.localhost"])):
        with tenant_context(pemda):
            assert sorted(Report.objects.values_list("title", flat=True)) == [title, title]
            reports = list(Report.objects.all())
        # Each report's verification clock sits in the public index under its own Pemda, with the
        # reminder a day ahead; the Pemda's notification clock is there too.
        for report in reports:
            clock = DueDeadline.objects.get(schema_name=pemda.schema_name, report_id=report.pk, kind="verify")
            assert clock.due_at == report.verify_due_at
            assert clock.next_action_at == report.verify_due_at - timedelta(hours=24)
        assert DueDeadline.objects.filter(schema_name=pemda.schema_name, report_id=0, kind="notify").count() == 1


def test_intake_survives_its_prepared_statement_being_dropped_by_the_session(
    _test_database: None, committed: None, tenants_registry: dict[str, Pemda]
) -> None:
    """A pooler's DISCARD ALL (or a DEALLOCATE) drops the session's prepared statements without
    telling Django; the next intake prepares again instead of failing the citizen's request."""
    from django.db import connection

    from complaints import services
    from complaints.seed import categories_seed
    from complaints.selectors import active_category

    jabar = tenants_registry["jabar"]  # committed rows: keep them out of Jakarta's tests
    with tenant_context(jabar):
        categories_seed(jabar)
        category = active_category(code="jalan")
        assert category is not None

        def submit(title: str) -> str:
            return services.report_submit(
                type="pengaduan",
                category=category,
                title=title,
                text="Lubang besar di tengah jalan provinsi, membahayakan pengendara.",
                reporter=services.ReporterIdentity(email="warga.bogor@example.id"),
                privacy="public",
            ).report.tracking_id

        first = submit("Jalan berlubang di Jalan Raya Bogor")
        assert connection.prepared_statements
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        second = submit("Jalan berlubang lagi di Jalan Raya Bogor")
        assert set(Report.objects.filter(tracking_id__in=[first, second]).values_list("tracking_id", flat=True)) == {
            first,
            second,
        }


def test_a_new_tracking_id_that_meets_an_old_one_is_drawn_again(
    api: Api, jakarta: Pemda, monkeypatch: pytest.MonkeyPatch
) -> None:
    from complaints import services
    from complaints.models import Notification
    from complaints.tracking import tracking_id_new

    first = api.post("/api/v1/reports/", {**FORM, "reporter_email": "warga@example.id"}).json()["tracking_id"]
    drawn = iter([first, tracking_id_new()])
    monkeypatch.setattr(services, "tracking_id_new", lambda: next(drawn))
    # With an Idempotency-Key the intake runs inside the key's transaction: the clash must not
    # abort it, and the key must remember the report that was made.
    response = api.post(
        "/api/v1/reports/", {**FORM, "reporter_email": "warga@example.id"}, HTTP_IDEMPOTENCY_KEY="clash-1"
    )
    assert response.status_code == 201, response.content
    second = response.json()["tracking_id"]
    assert second != first
    with tenant_context(jakarta):
        assert Report.objects.filter(tracking_id__in=[first, second]).count() == 2
        mail = Notification.objects.get(report__tracking_id=second)
        assert second in mail.subject + mail.body and first not in mail.subject + mail.body
    replay = api.post(
        "/api/v1/reports/", {**FORM, "reporter_email": "warga@example.id"}, HTTP_IDEMPOTENCY_KEY="clash-1"
    )
    assert replay.json()["tracking_id"] == second
    from django.core.management import call_command

    out = io.StringIO()
    call_command("audit_verify", "--schema", jakarta.schema_name, stdout=out)
    assert out.getvalue().startswith(f"{jakarta.schema_name}: ok (2 events)"), out.getvalue()
