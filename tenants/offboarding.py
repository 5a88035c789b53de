"""Services for a Pemda leaving the platform: archive (read-only), export, restore, delete.

An export is one tar file: `registry.json` (the Pemda's registry row, domains, work calendar and
memberships, which live in the public schema, and the rows other apps keep for it there, such as
its reports' SLA clocks) and `schema.dump` (pg_dump custom format of the Pemda's own schema).
`pemda_restore` brings both back on any deployment of the same version.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from accounts.models import Membership
from tenants import hostcache
from tenants.context import use_public_schema
from tenants.models import Domain, Pemda, PemdaKind, PemdaStatus, WorkCalendar
from tenants.schemas import pg_bin, pg_client_command, script_for_server, server_settings
from tenants.services import OnboardingError
from tenants.validators import schema_name_for_code

EXPORT_FORMAT = 1

# Sent with `pemda` and `requested_by` once an export file was written: the export holds every
# reporter's sealed identity, so the Pemda's audit trail records it (complaints listens).
pemda_exported = Signal()


@dataclass(frozen=True)
class PublicRows:
    """Rows an app keeps for a Pemda in the public schema, keyed by its schema name.

    The app registers how to read them (JSON-ready), write them back and drop them, so that an
    export carries them, a restore brings them back and a delete leaves none behind to collide
    with a Pemda of the same code later (tenants cannot import the apps above it).
    """

    read: Callable[[str], list[dict[str, Any]]]
    write: Callable[[str, list[dict[str, Any]]], None]
    drop: Callable[[str], None]


PUBLIC_ROWS: dict[str, PublicRows] = {}


def public_rows_register(name: str, rows: PublicRows) -> None:
    PUBLIC_ROWS[name] = rows


def public_row_counts(schema: str) -> dict[str, int]:
    """How many rows each registered app keeps for this schema in public (an integrity check's reference)."""
    return {name: len(rows.read(schema)) for name, rows in sorted(PUBLIC_ROWS.items())}


def access_pemda(*, code: str) -> Pemda:
    """The registered Pemda with this code (never the hub), or an OnboardingError."""
    pemda = Pemda.objects.exclude(kind=PemdaKind.HUB).filter(code=code.strip()).first()
    if pemda is None:
        raise OnboardingError(_("Pemda %(c)s tidak terdaftar. (Not registered.)") % {"c": code}, code="not_found")
    return pemda


def _forget(pemda_id: int) -> None:
    hostcache.forget_tenant(pemda_id)
    transaction.on_commit(lambda: hostcache.forget_tenant(pemda_id))


@transaction.atomic
def pemda_archive(*, code: str) -> Pemda:
    """Make a live Pemda read-only: its pages still open and the hub still lists it; writes are refused."""
    pemda = access_pemda(code=code)
    if pemda.status != PemdaStatus.ARCHIVED:
        Pemda.objects.filter(pk=pemda.pk).update(status=PemdaStatus.ARCHIVED)
        _forget(pemda.pk)
        pemda.refresh_from_db()
    return pemda


@transaction.atomic
def pemda_unarchive(*, code: str) -> Pemda:
    pemda = access_pemda(code=code)
    if pemda.status == PemdaStatus.ARCHIVED:
        Pemda.objects.filter(pk=pemda.pk).update(status=PemdaStatus.LIVE)
        _forget(pemda.pk)
        pemda.refresh_from_db()
    return pemda


def _registry_record(pemda: Pemda) -> dict[str, Any]:
    calendar = WorkCalendar.objects.filter(pemda=pemda).first()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "pemda": {
            "code": pemda.code,
            "name": pemda.name,
            "kind": pemda.kind,
            "slug": pemda.slug,
            "timezone": pemda.timezone,
            "status": pemda.status,
            "schema_name": pemda.schema_name,
            "parent_code": pemda.parent.code if pemda.parent else None,
        },
        "domains": list(pemda.domains.order_by("-is_primary", "domain").values("domain", "is_primary")),
        "calendar": None
        if calendar is None
        else {
            "work_weekdays": calendar.work_weekdays,
            "observes_cuti_bersama": calendar.observes_cuti_bersama,
            "regional_holidays": calendar.regional_holidays,
        },
        "memberships": [
            {"username": m.user.get_username(), "email": m.user.email, "role": m.role, "unit_id": m.unit_id}
            for m in Membership.objects.filter(tenant=pemda).select_related("user").order_by("id")
        ],
        "public_rows": {name: rows.read(pemda.schema_name) for name, rows in sorted(PUBLIC_ROWS.items())},
        # What a restore must bring back: `manage.py pemda_integrity --export` compares these.
        "row_counts": schema_row_counts(pemda.schema_name),
    }


def schema_row_counts(schema: str) -> dict[str, int]:
    """Rows of every table of a Pemda's schema, by table name (an integrity check's reference)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'"
            " ORDER BY table_name",
            [schema],
        )
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = int(cursor.fetchone()[0])
    return counts


def pemda_export(*, code: str, directory: Path, requested_by: str = "manage.py offboard_pemda") -> Path:
    """Write `<schema>-<time>.tar` (registry record + schema dump) into directory; returns its path.

    The schema is dumped by pg_dump from a committed state (it runs on its own connection).
    """
    pemda = access_pemda(code=code)
    if pemda.status == PemdaStatus.PROVISIONING:
        raise OnboardingError(_("%(p)s belum selesai disiapkan; tidak ada yang diekspor.") % {"p": pemda})
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    target = directory / f"{pemda.schema_name}-{stamp}.tar"
    record = json.dumps(_registry_record(pemda), indent=2, ensure_ascii=False).encode()
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "schema.dump"
        argv, env = pg_client_command(
            "pg_dump", "--format=custom", "--no-owner", "-n", pemda.schema_name, "-f", str(dump)
        )
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise OnboardingError(_("Ekspor %(s)s gagal: %(e)s") % {"s": pemda.schema_name, "e": result.stderr.strip()})
        with tarfile.open(target, "w") as tar:
            info = tarfile.TarInfo("registry.json")
            info.size = len(record)
            tar.addfile(info, io.BytesIO(record))
            tar.add(dump, arcname="schema.dump")
    target.chmod(0o600)
    pemda_exported.send(sender=Pemda, pemda=pemda, requested_by=requested_by, file=target.name)
    return target


def _read_export(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        with tarfile.open(path, "r") as tar:
            record_file = tar.extractfile("registry.json")
            dump_file = tar.extractfile("schema.dump")
            if record_file is None or dump_file is None:
                raise KeyError("schema.dump")
            record = json.loads(record_file.read())
            dump = dump_file.read()
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise OnboardingError(_("Berkas %(f)s bukan ekspor Pemda: %(e)s") % {"f": path, "e": exc}) from None
    if record.get("format") != EXPORT_FORMAT:
        raise OnboardingError(_("Format ekspor %(v)s tidak dikenal.") % {"v": record.get("format")})
    return record, dump


def export_record(path: Path) -> dict[str, Any]:
    """The registry record of an export (its Pemda, row counts, ...), without the dump."""
    return _read_export(path)[0]


def pemda_restore(*, path: Path) -> Pemda:
    """Bring an exported Pemda back: schema via pg_restore, then its registry rows in one transaction.

    Refused (with nothing written) when the code, slug, schema or a domain is already in use.
    If the registry part fails after the schema was restored, the schema is dropped again.
    """
    record, dump = _read_export(path)
    info = record["pemda"]
    schema = schema_name_for_code(info["code"])
    if info["schema_name"] != schema:
        raise OnboardingError(_("Ekspor tidak konsisten: skema %(s)s.") % {"s": info["schema_name"]})
    if Pemda.objects.filter(code=info["code"]).exists() or schema_exists(schema):
        raise OnboardingError(_("Pemda %(c)s sudah ada; hapus dulu sebelum memulihkan.") % {"c": info["code"]})
    taken = Domain.objects.filter(domain__in=[d["domain"] for d in record["domains"]]).first()
    if taken is not None:
        raise OnboardingError(_("Domain %(d)s sudah dipakai.") % {"d": taken.domain})
    parent = None
    if info["parent_code"]:
        parent = Pemda.objects.filter(code=info["parent_code"]).first()
        if parent is None:
            raise OnboardingError(_("Provinsi induk %(c)s belum terdaftar.") % {"c": info["parent_code"]})
    with tempfile.NamedTemporaryFile(suffix=".dump") as handle:
        handle.write(dump)
        handle.flush()
        # pg_restore writes the script and psql runs it, so that the session settings of a
        # pg_restore newer than the server can be left out (tenants.schemas.script_for_server).
        script = subprocess.run(
            [pg_bin("pg_restore"), "--no-owner", "--file", "-", handle.name],
            capture_output=True,
            text=True,
            timeout=600,
        )
    result = script
    if script.returncode == 0:
        argv, env = pg_client_command(
            "psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1", "--file", "-"
        )
        sql = script_for_server(script.stdout, server_settings())
        result = subprocess.run(argv, env=env, input=sql, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise OnboardingError(_("Pemulihan skema %(s)s gagal: %(e)s") % {"s": schema, "e": result.stderr.strip()})
    try:
        return _restore_registry(record, parent)
    except Exception:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        raise


@transaction.atomic
def _restore_registry(record: dict[str, Any], parent: Pemda | None) -> Pemda:
    info = record["pemda"]
    pemda = Pemda(
        code=info["code"],
        name=info["name"],
        kind=info["kind"],
        slug=info["slug"],
        timezone=info["timezone"],
        status=info["status"],
        parent=parent,
        schema_name=info["schema_name"],
    )
    pemda.full_clean(exclude=["schema_name"])
    pemda.save()
    for domain in record["domains"]:
        Domain.objects.create(tenant=pemda, domain=domain["domain"], is_primary=domain["is_primary"])
    if record["calendar"] is not None:
        WorkCalendar.objects.create(pemda=pemda, **record["calendar"])
    user_model = get_user_model()
    for member in record["memberships"]:
        user = user_model.objects.filter(username=member["username"]).first()
        if user is None:
            user = user_model(username=member["username"], email=member["email"])
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, tenant=pemda, role=member["role"], unit_id=member["unit_id"])
    for name, rows in record.get("public_rows", {}).items():  # absent from exports made before they were kept
        if name in PUBLIC_ROWS:
            PUBLIC_ROWS[name].drop(pemda.schema_name)  # e.g. left behind by an older delete
            PUBLIC_ROWS[name].write(pemda.schema_name, rows)
    return pemda


@transaction.atomic
def pemda_delete(*, code: str, confirm: str) -> None:
    """Drop a Pemda's schema and registry rows; only when `confirm` repeats its code exactly.

    Only an archived Pemda (or one whose onboarding never finished) can be deleted, and a province
    only once none of its kabupaten/kota is registered.
    """
    pemda = access_pemda(code=code)
    if confirm.strip() != pemda.code:
        raise OnboardingError(
            _("Konfirmasi harus sama persis dengan kode %(c)s; tidak ada yang dihapus. (Confirm with the exact code.)")
            % {"c": pemda.code},
            code="confirm",
        )
    if pemda.status == PemdaStatus.LIVE:
        raise OnboardingError(_("%(p)s masih aktif: arsipkan dulu. (Archive it first.)") % {"p": pemda})
    if pemda.children.exists():
        raise OnboardingError(_("%(p)s masih punya kabupaten/kota terdaftar.") % {"p": pemda})
    _forget(pemda.pk)
    # The registry lives in public; django-tenants also refuses to delete a tenant from another schema.
    use_public_schema()
    with connection.cursor() as cursor:
        # Deferred FK checks still pending in this transaction would block DROP: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{pemda.schema_name}" CASCADE')
    for rows in PUBLIC_ROWS.values():
        rows.drop(pemda.schema_name)
    pemda.delete()
