"""Writes to the tenant registry: the hub row, Pemda registration, onboarding and offboarding.

Onboarding one Pemda is two steps, each its own transaction:
1. `pemda_register`: the registry row (status `provisioning`) and its domains, after every check
   (known code, free domain and slug). The hub sees the Pemda as "sedang disiapkan" from here.
2. `pemda_provision`: schema, SKPD tree and the other seeders, work calendar, first admin with a
   one-time login link, and status `live` — all in ONE transaction. A crash (even kill -9) in
   step 2 rolls all of it back, so the next run simply does step 2 again; a schema left half-done
   by an older, non-atomic path is completed instead of recreated.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants import hostcache
from tenants.context import use_public_schema, use_tenant
from tenants.models import Domain, Pemda, PemdaKind, PemdaStatus, TimeZone, WorkCalendar
from tenants.regions import Region, region_get, region_suggestions
from tenants.schemas import schema_ensure, schema_migrate_pending
from tenants.validators import schema_name_for_code, validate_schema_name, validate_slug

HUB_CODE = "00"


class OnboardingError(ValidationError):
    """Bad input for onboarding; the message is for the operator (Indonesian, English second)."""


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

    @classmethod
    def from_region(cls, region: Region) -> PemdaSpec:
        return cls(
            code=region.code,
            name=region.name,
            kind=region.kind,
            slug=region.slug,
            timezone=region.timezone,
            parent_code=region.province_code,
        )


def _normalise_hosts(domains: list[str] | None, slug: str) -> list[str]:
    hosts = [h.strip().lower().rstrip(".") for h in (domains or [default_domain(slug)]) if h.strip()]
    for host in hosts:
        if not host or "/" in host or ":" in host or " " in host:
            raise OnboardingError(_("Domain %(d)s tidak valid (invalid domain).") % {"d": repr(host)})
    return list(dict.fromkeys(hosts))


def _check_domains_free(*, spec: PemdaSpec, domains: list[str] | None) -> list[str]:
    hosts = _normalise_hosts(domains, spec.slug)
    taken = (
        Domain.objects.filter(domain__in=hosts)
        .exclude(tenant__schema_name=schema_name_for_code(spec.code))
        .select_related("tenant")
        .first()
    )
    if taken is not None:
        raise OnboardingError(
            _("Domain %(d)s sudah dipakai oleh %(p)s; tidak ada yang dibuat. (Domain already used by another Pemda.)")
            % {"d": taken.domain, "p": taken.tenant}
        )
    return hosts


@transaction.atomic
def pemda_register(*, spec: PemdaSpec, domains: list[str] | None = None) -> Pemda:
    """Registry row (status provisioning) and domains; returns the existing row when registered.

    Everything is checked before anything is written: code, kind, time zone, slug, that no other
    Pemda holds one of the domains or the slug, and that the parent province is registered.
    """
    schema = schema_name_for_code(spec.code)
    validate_slug(spec.slug)
    if spec.kind not in (PemdaKind.PROVINSI, PemdaKind.KABUPATEN, PemdaKind.KOTA):
        raise OnboardingError(_("Jenis Pemda tidak dikenal: %(k)s") % {"k": spec.kind})
    if spec.timezone not in TimeZone.values:
        raise OnboardingError(_("Zona waktu tidak dikenal: %(tz)s") % {"tz": spec.timezone})
    hosts = _check_domains_free(spec=spec, domains=domains)
    pemda = Pemda.objects.filter(code=spec.code).first()
    if pemda is None:
        other = Pemda.objects.filter(slug=spec.slug).first()
        if other is not None:
            raise OnboardingError(
                _("Slug %(s)s sudah dipakai oleh %(p)s. (Slug already used.)") % {"s": spec.slug, "p": other}
            )
        parent = None
        if spec.parent_code:
            parent = Pemda.objects.filter(code=spec.parent_code).first()
            if parent is None:
                raise OnboardingError(_("Provinsi induk %(c)s belum terdaftar.") % {"c": spec.parent_code})
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
    has_primary = pemda.domains.filter(is_primary=True).exists()
    for host in hosts:
        _domain, created = Domain.objects.get_or_create(domain=host, defaults={"tenant": pemda, "is_primary": False})
        if created and not has_primary:
            Domain.objects.filter(pk=_domain.pk).update(is_primary=True)
            has_primary = True
    return pemda


# --- provisioning ---------------------------------------------------------------------------------


class Outcome:
    CREATED = "created"  # onboarded by this run
    COMPLETED = "completed"  # a half-finished onboarding was finished
    UNCHANGED = "unchanged"  # already live (or archived): nothing changed
    FAILED = "failed"


@dataclass(frozen=True)
class OnboardingResult:
    code: str
    name: str
    outcome: str
    message: str
    units: int = 0
    admin_username: str = ""
    login_url: str = ""
    seconds: float = 0.0


def tenant_seeders() -> list[Callable[[Pemda], None]]:
    """LAPOR_TENANT_SEEDERS: idempotent `seed(pemda)` functions run inside the new Pemda's schema."""
    return [import_string(path) for path in getattr(settings, "LAPOR_TENANT_SEEDERS", [])]


def login_url(*, pemda: Pemda, token: str) -> str:
    domain = pemda.domains.filter(is_primary=True).values_list("domain", flat=True).first() or default_domain(
        pemda.slug
    )
    scheme = "https" if settings.SESSION_COOKIE_SECURE else "http"
    port = settings.PUBLIC_URL_PORT
    netloc = domain if port in (0, 80, 443) else f"{domain}:{port}"
    return f"{scheme}://{netloc}/masuk/{token}/"


def _seed_in_schema(pemda: Pemda) -> int:
    from agencies.models import Unit

    use_tenant(pemda)
    try:
        for seed in tenant_seeders():
            seed(pemda)
        return Unit.objects.count()
    finally:
        use_public_schema()


def pemda_provision(
    *, pemda_id: int, admin_email: str = "", seed: bool = True, reseed: bool = False
) -> OnboardingResult:
    """Step 2 of onboarding, in one transaction: schema, seeders, calendar, first admin, live.

    The registry row is locked first, so two operators (or a re-run racing a slow run) onboarding
    the same Pemda serialise, and the second finds it live and changes nothing. `reseed` runs the
    (idempotent) seeders again on a live Pemda, e.g. after a new seeder was added.
    """
    from accounts.services import tenant_admin_ensure

    started = time.monotonic()
    with transaction.atomic():
        pemda = Pemda.objects.select_for_update().get(pk=pemda_id)
        was_provisioning = pemda.status == PemdaStatus.PROVISIONING
        if not was_provisioning and not reseed:
            label = _("sudah aktif") if pemda.status == PemdaStatus.LIVE else _("diarsipkan")
            return OnboardingResult(
                code=pemda.code,
                name=pemda.name,
                outcome=Outcome.UNCHANGED,
                message=_("%(p)s %(s)s; tidak ada yang diubah. (Already onboarded; nothing changed.)")
                % {"p": pemda, "s": label},
            )
        existed = schema_exists(pemda.schema_name)
        schema_ensure(schema_name=pemda.schema_name)
        units = _seed_in_schema(pemda) if seed else 0
        WorkCalendar.objects.get_or_create(pemda=pemda)
        admin_username, url = "", ""
        if seed:
            admin = tenant_admin_ensure(tenant=pemda, username=admin_email or f"admin-{pemda.slug}", email=admin_email)
            admin_username = admin.user.get_username()
            if admin.issued is not None:
                url = login_url(pemda=pemda, token=admin.issued.token)
        if was_provisioning:
            Pemda.objects.filter(pk=pemda.pk).update(status=PemdaStatus.LIVE)
            pemda_id_ = pemda.pk
            transaction.on_commit(lambda: hostcache.forget_tenant(pemda_id_))
    if not was_provisioning:
        outcome, message = Outcome.UNCHANGED, _("%(p)s: data bawaan diperbarui. (Seeders re-run.)") % {"p": pemda}
    elif existed:
        outcome, message = Outcome.COMPLETED, _("%(p)s: onboarding yang terputus diselesaikan.") % {"p": pemda}
    else:
        outcome, message = Outcome.CREATED, _("%(p)s: aktif.") % {"p": pemda}
    return OnboardingResult(
        code=pemda.code,
        name=pemda.name,
        outcome=outcome,
        message=message,
        units=units,
        admin_username=admin_username,
        login_url=url,
        seconds=round(time.monotonic() - started, 3),
    )


def region_or_error(code: str) -> Region:
    """The region of a Kemendagri code, or an OnboardingError listing the closest Pemda."""
    region = region_get(code)
    if region is not None:
        return region
    close = region_suggestions(code)
    hint = ", ".join(f"{r.code} {r.name}" for r in close) or _("tidak ada yang mirip")
    raise OnboardingError(
        _(
            "Kode %(c)s tidak dikenal dalam data Kepmendagri 300.2.2-2138/2025. Yang paling mirip: %(h)s. "
            "(Unknown Pemda code.)"
        )
        % {"c": repr(code), "h": hint},
        code="unknown_code",
    )


def pemda_onboard(
    *, code: str, domains: list[str] | None = None, admin_email: str = "", reseed: bool = False
) -> list[OnboardingResult]:
    """Onboard one Pemda by its Kemendagri code; its province is onboarded first when missing.

    Returns one result per Pemda touched (the province, then the Pemda). Bad input raises
    OnboardingError before anything is written.
    """
    region = region_or_error(code)
    spec = PemdaSpec.from_region(region)
    # Checked before the province is onboarded too: bad input writes nothing at all.
    _check_domains_free(spec=spec, domains=domains)
    results: list[OnboardingResult] = []
    if region.province_code and not Pemda.objects.filter(code=region.province_code).exists():
        results += pemda_onboard(code=region.province_code)
    pemda = pemda_register(spec=spec, domains=domains)
    results.append(pemda_provision(pemda_id=pemda.pk, admin_email=admin_email, reseed=reseed))
    return results


def pemda_create(*, spec: PemdaSpec, domains: list[str] | None = None) -> Pemda:
    """Register a Pemda and create its schema, without seeders or admin (fixtures, special cases).

    Same two steps as onboarding: a half-done creation is completed, a done one left unchanged.
    """
    pemda = pemda_register(spec=spec, domains=domains)
    pemda_provision(pemda_id=pemda.pk, seed=False)
    pemda.refresh_from_db()
    return pemda


def schema_migrate(*, schema_name: str) -> None:
    """Apply the schema's pending tenant migrations in one transaction (idempotent)."""
    validate_schema_name(schema_name)
    if not schema_exists(schema_name):
        raise OnboardingError(_("Skema %(s)s belum ada.") % {"s": schema_name})
    schema_migrate_pending(schema_name=schema_name)
