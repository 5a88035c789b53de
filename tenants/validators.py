"""Validation of Kemendagri codes, slugs and the schema names derived from them."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

# Province "31", kabupaten/kota "32.73". Kecamatan and desa codes are not tenants.
KEMENDAGRI_CODE_RE = re.compile(r"^\d{2}(\.\d{2})?$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,48}[a-z0-9]$")
SCHEMA_PREFIX = "pemda_"
_SCHEMA_RE = re.compile(r"^pemda_\d{2}(_\d{2})?$")


def validate_kemendagri_code(code: str) -> None:
    if not KEMENDAGRI_CODE_RE.match(code or ""):
        raise ValidationError(
            _("Kode Kemendagri %(code)s tidak valid: gunakan '31' (provinsi) atau '32.73' (kabupaten/kota)."),
            code="invalid_code",
            params={"code": repr(code)},
        )


def validate_slug(slug: str) -> None:
    if not SLUG_RE.match(slug or ""):
        raise ValidationError(
            _(
                "Slug %(slug)s tidak valid: 3-50 huruf kecil, angka atau tanda hubung, diawali huruf "
                "dan tidak diakhiri tanda hubung."
            ),
            code="invalid_slug",
            params={"slug": repr(slug)},
        )


def schema_name_for_code(code: str) -> str:
    """`31` -> `pemda_31`, `32.73` -> `pemda_32_73`; refuses anything that is not a Pemda code."""
    validate_kemendagri_code(code)
    schema = SCHEMA_PREFIX + code.replace(".", "_")
    if not _SCHEMA_RE.match(schema) or schema == get_public_schema_name():
        raise ValidationError(_("Nama skema %(schema)s tidak valid."), params={"schema": schema})
    return schema


def validate_schema_name(schema: str) -> None:
    if schema != get_public_schema_name() and not _SCHEMA_RE.match(schema or ""):
        raise ValidationError(_("Nama skema %(schema)s tidak valid."), params={"schema": repr(schema)})
