"""Writes to the tenant registry: the hub row and Pemda creation with their schemas and domains."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, quote_schema_name

from tenants.context import use_public_schema
from tenants.models import Domain, Pemda, PemdaKind, PemdaStatus, TimeZone
from tenants.validators import schema_name_for_code, validate_schema_name, validate_slug

HUB_CODE = "00"


def default_domain(slug: str | None) -> str:
    """The hub answers on LAPOR_BASE_DOMAIN, a Pemda on `<slug>.<LAPOR_BASE_DOMAIN>`."""
    return settings.BASE_DOMAIN if slug is None else f"{slug}.{settings.BASE_DOMAIN}"


@transaction.atomic
def hub_ensure() -> Pemda:
    """Create the national hub's row (public schema) and its domain; a no-op when present."""
    hub, _created = Pemda.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={
            "kind": PemdaKind.HUB,
            "code": HUB_CODE,
            "name": "Hub Nasional LAPOR!",
            "slug": "hub",
            "timezone": TimeZone.WIB,
            "status": PemdaStatus.LIVE,
        },
    )
    Domain.objects.get_or_create(domain=default_domain(None), defaults={"tenant": hub, "is_primary": True})
    return hub


@dataclass(frozen=True)
class PemdaSpec:
    code: str
    name: str
    kind: str
    slug: str
    timezone: str
    parent_code: str | None = None


def pemda_create(*, spec: PemdaSpec, domains: list[str] | None = None) -> Pemda:
    """Register a Pemda and create its schema; completes a half-done creation, changes nothing on a done one.

    Everything is validated before anything is written. The registry rows are committed
    before the schema is migrated (migrations need their own transactions); a crash in between
    leaves a row whose schema the next call finishes, since create_schema checks what exists.
    """
    schema = schema_name_for_code(spec.code)
    validate_slug(spec.slug)
    if spec.kind not in (PemdaKind.PROVINSI, PemdaKind.KABUPATEN, PemdaKind.KOTA):
        raise ValidationError(_("Jenis Pemda tidak dikenal: %(k)s") % {"k": spec.kind})
    if spec.timezone not in TimeZone.values:
        raise ValidationError(_("Zona waktu tidak dikenal: %(tz)s") % {"tz": spec.timezone})
    hosts = [h.strip().lower() for h in (domains or [default_domain(spec.slug)])]
    taken = Domain.objects.filter(domain__in=hosts).exclude(tenant__schema_name=schema).first()
    if taken is not None:
        raise ValidationError(_("Domain %(d)s sudah dipakai oleh %(p)s.") % {"d": taken.domain, "p": taken.tenant.name})
    parent = None
    if spec.parent_code:
        parent = Pemda.objects.filter(code=spec.parent_code).first()
        if parent is None:
            raise ValidationError(_("Provinsi induk %(c)s belum terdaftar.") % {"c": spec.parent_code})

    with transaction.atomic():
        pemda = Pemda.objects.filter(code=spec.code).first()
        if pemda is None:
            pemda = Pemda(
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                slug=spec.slug,
                timezone=spec.timezone,
                parent=parent,
                schema_name=schema,
            )
            pemda.full_clean(exclude=["schema_name"])
            pemda.save()
        for i, host in enumerate(hosts):
            Domain.objects.get_or_create(domain=host, defaults={"tenant": pemda, "is_primary": i == 0})
    schema_migrate(schema_name=schema)
    if pemda.status == PemdaStatus.PROVISIONING:
        Pemda.objects.filter(pk=pemda.pk, status=PemdaStatus.PROVISIONING).update(status=PemdaStatus.LIVE)
        pemda.refresh_from_db()
    return pemda


def schema_migrate(*, schema_name: str) -> None:
    """Create the schema if missing and apply its pending tenant migrations (idempotent)."""
    validate_schema_name(schema_name)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_schema_name(schema_name)}")
    call_command("migrate_schemas", tenant=True, schema_name=schema_name, interactive=False, verbosity=0)
    use_public_schema()
