"""Checking uploads by their content, and stripping metadata before storage.

Images are decoded and re-encoded without EXIF/GPS; a PDF is parsed by pypdf (a `%PDF-` header
followed by anything else is refused) and rewritten from its pages alone, which drops the
document information (author, creator tool), the XMP metadata and document-level actions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter

# A phone photo is ~12-50 Mpx; anything larger is refused rather than decoded.
Image.MAX_IMAGE_PIXELS = 60_000_000

_IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str


def attachment_check(upload: UploadedFile) -> CheckedFile:
    """Accept JPEG, PNG, WebP images and PDF documents, judged by content, never by name."""
    limit = settings.LAPOR_MAX_ATTACHMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("Lampiran %(name)s terlalu besar (maksimal %(mb)s MB).") % {"name": upload.name, "mb": limit // 2**20}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("Lampiran %(name)s terlalu besar (maksimal %(mb)s MB).") % {"name": upload.name, "mb": limit // 2**20}
        )
    if data.startswith(b"%PDF-"):
        return _clean_pdf(data, upload.name or "")
    return _clean_image(data, upload.name or "")


MAX_PDF_PAGES = 200


def _clean_pdf(data: bytes, name: str) -> CheckedFile:
    refused = ValidationError(
        _("Lampiran %(name)s bukan gambar JPEG/PNG/WebP atau dokumen PDF yang valid.") % {"name": name}
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted or not 0 < len(reader.pages) <= MAX_PDF_PAGES:
            raise refused
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except Exception:
        raise refused from None
    return CheckedFile(content=out.getvalue(), content_type="application/pdf", extension="pdf")


def _clean_image(data: bytes, name: str) -> CheckedFile:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind not in _IMAGE_FORMATS:
                raise UnidentifiedImageError(kind)
            # Apply the EXIF orientation, then re-encode without any EXIF/XMP/text chunks (GPS included).
            upright = ImageOps.exif_transpose(image) or image
            if kind == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            options: dict[str, object] = {"quality": 90} if kind in ("JPEG", "WEBP") else {"optimize": True}
            upright.save(out, format=kind, **options)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        raise ValidationError(
            _("Lampiran %(name)s bukan gambar JPEG/PNG/WebP atau dokumen PDF yang valid.") % {"name": name}
        ) from None
    content_type, extension = _IMAGE_FORMATS[kind]
    return CheckedFile(content=out.getvalue(), content_type=content_type, extension=extension)
