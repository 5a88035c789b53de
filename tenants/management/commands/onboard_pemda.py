"""`manage.py onboard_pemda 32.73` / `--province 32` / `--all`: bring Pemda onto the platform.

Safe to run again at any time: finished Pemda are left unchanged, half-finished ones (a crash,
a kill -9) are completed. Bad input stops before anything is written.
"""

from __future__ import annotations

import csv
import os
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accounts.models import Membership, Role
from accounts.services import login_link_issue
from tenants.bulk import default_workers, pemda_provision_many
from tenants.models import Pemda, PemdaStatus
from tenants.regions import Region, region_get, regions_all, regions_in_province
from tenants.services import (
    OnboardingError,
    OnboardingResult,
    Outcome,
    PemdaSpec,
    login_url,
    pemda_onboard,
    pemda_register,
    region_or_error,
)

OUTCOME_LABELS = {
    Outcome.CREATED: "baru aktif (created)",
    Outcome.COMPLETED: "diselesaikan (completed)",
    Outcome.UNCHANGED: "tidak berubah (unchanged)",
    Outcome.FAILED: "gagal (failed)",
}


class Command(BaseCommand):
    help = "Onboard Pemda by Kemendagri code (32.73), by province (--province 32) or all 552 (--all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="Kemendagri codes, e.g. 32.73 (Kota Bandung)")
        parser.add_argument("--all", action="store_true", help="all 38 provinsi, 416 kabupaten and 98 kota")
        parser.add_argument("--province", action="append", default=[], help="a province and its kabupaten/kota")
        parser.add_argument("--domain", action="append", default=[], help="domain(s) of a single Pemda")
        parser.add_argument("--admin-email", default="", help="e-mail (and login) of a single Pemda's first admin")
        parser.add_argument("--workers", type=int, default=default_workers(), help="parallel worker processes")
        parser.add_argument(
            "--links-file",
            default=str(Path(settings.VAR_DIR) / "onboarding-links.csv"),
            help="where one-time admin login links of a bulk run are appended (mode 0600)",
        )
        parser.add_argument("--reseed", action="store_true", help="run the seeders again on live Pemda")
        parser.add_argument("--new-link", action="store_true", help="issue a new login link for the first admin")

    def handle(self, *args: Any, **options: Any) -> None:
        # rich writes partial lines; Django's OutputWrapper would end each one with a newline.
        self.console = Console(file=cast("IO[str]", self.stdout._out), width=120)
        codes: list[str] = options["codes"]
        provinces: list[str] = options["province"]
        if sum(bool(x) for x in (codes, provinces, options["all"])) != 1:
            raise CommandError(
                "Sebutkan kode Pemda, --province atau --all (salah satu). (Give codes, --province or --all.)"
            )
        if options["workers"] < 1:
            raise CommandError("--workers harus >= 1.")
        if (options["domain"] or options["admin_email"]) and len(codes) != 1:
            raise CommandError("--domain dan --admin-email hanya untuk satu Pemda. (Only with a single code.)")
        try:
            if options["new_link"]:
                if len(codes) != 1:
                    raise CommandError("--new-link hanya untuk satu Pemda. (Only with a single code.)")
                self._new_link(codes[0])
            elif len(codes) == 1:
                self._one(
                    codes[0], domains=options["domain"], admin_email=options["admin_email"], reseed=options["reseed"]
                )
            else:
                regions = self._select(codes=codes, provinces=provinces, everything=options["all"])
                self._many(
                    regions,
                    workers=options["workers"],
                    links_file=Path(options["links_file"]),
                    reseed=options["reseed"],
                )
        except OnboardingError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    # --- one Pemda ------------------------------------------------------------------------------

    def _one(self, code: str, *, domains: list[str], admin_email: str, reseed: bool) -> None:
        for result in pemda_onboard(code=code, domains=domains or None, admin_email=admin_email, reseed=reseed):
            units = f" ({result.units} unit SKPD)" if result.units else ""
            self.stdout.write(f"{result.message}{units}")
            if result.login_url:
                self.stdout.write(f"  admin {result.admin_username}: tautan masuk sekali pakai {result.login_url}")

    @transaction.atomic
    def _new_link(self, code: str) -> None:
        region_or_error(code)
        pemda = Pemda.objects.filter(code=code, status=PemdaStatus.LIVE).first()
        if pemda is None:
            raise CommandError(f"Pemda {code} belum aktif; jalankan onboarding dulu. (Not live yet.)")
        admin = Membership.objects.filter(tenant=pemda, role=Role.TENANT_ADMIN).order_by("id").first()
        if admin is None:
            raise CommandError(f"{pemda} belum punya admin. (No admin.)")
        issued = login_link_issue(user=admin.user, tenant=pemda)
        self.stdout.write(
            f"{pemda}: tautan baru untuk {admin.user.get_username()}: {login_url(pemda=pemda, token=issued.token)}"
        )
        self.stdout.write("Tautan lama yang belum dipakai tidak berlaku lagi. (Earlier unused links were revoked.)")

    # --- many Pemda -----------------------------------------------------------------------------

    def _select(self, *, codes: list[str], provinces: list[str], everything: bool) -> list[Region]:
        if everything:
            return regions_all()
        if codes:
            chosen = [region_or_error(c) for c in codes]
        else:
            chosen = []
            for province in provinces:
                region = region_or_error(province)
                if region.province_code is not None:
                    raise CommandError(f"{region.code} {region.name} bukan provinsi. (Not a province.)")
                chosen += regions_in_province(province)
        # Provinces first: a kabupaten/kota is registered under its province.
        wanted = {r.code: r for r in chosen}
        for region in list(wanted.values()):
            if region.province_code and region.province_code not in wanted:
                province_region = region_get(region.province_code)
                if province_region is not None and not Pemda.objects.filter(code=region.province_code).exists():
                    wanted[province_region.code] = province_region
        return sorted(wanted.values(), key=lambda r: ("." in r.code, r.code))

    def _many(self, regions: list[Region], *, workers: int, links_file: Path, reseed: bool) -> None:
        started = time.monotonic()
        failures: list[OnboardingResult] = []
        registered = {p.code: p for p in Pemda.objects.filter(code__in=[r.code for r in regions])}
        with transaction.atomic():
            for region in regions:
                if region.code in registered:
                    continue
                try:
                    registered[region.code] = pemda_register(spec=PemdaSpec.from_region(region))
                except OnboardingError as exc:
                    failures.append(OnboardingResult(region.code, region.name, Outcome.FAILED, " ".join(exc.messages)))
        statuses = {PemdaStatus.PROVISIONING} | ({PemdaStatus.LIVE} if reseed else set())
        to_provision = [p for p in registered.values() if p.status in statuses]
        results: list[OnboardingResult] = []
        kinds = {r.code: r.kind for r in regions}

        with Progress(
            TextColumn("[bold]Onboarding[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
        ) as progress:
            task = progress.add_task("", total=len(to_provision))

            def on_result(result: object) -> None:
                assert isinstance(result, OnboardingResult)
                results.append(result)
                if result.login_url:
                    self._append_link(links_file, result)
                progress.update(task, advance=1, description=f"{result.code} {result.name}")

            pemda_provision_many(
                pemda_ids=[p.pk for p in sorted(to_provision, key=lambda p: p.code)],
                workers=workers,
                on_result=on_result,
                reseed=reseed,
            )

        results += failures
        provisioned = {p.pk for p in to_provision}
        results += [
            OnboardingResult(p.code, p.name, Outcome.UNCHANGED, "sudah aktif")
            for p in registered.values()
            if p.pk not in provisioned
        ]
        self._summary(results, kinds=kinds, seconds=time.monotonic() - started, links_file=links_file)
        failed = [r for r in results if r.outcome == Outcome.FAILED]
        if failed:
            raise CommandError(f"{len(failed)} Pemda gagal; jalankan perintah yang sama lagi setelah memperbaikinya.")

    def _append_link(self, path: Path, result: OnboardingResult) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", newline="") as handle:
            csv.writer(handle).writerow([result.code, result.name, result.admin_username, result.login_url])

    def _summary(
        self, results: list[OnboardingResult], *, kinds: dict[str, str], seconds: float, links_file: Path
    ) -> None:
        table = Table(title=f"Ringkasan onboarding (summary) — {len(results)} Pemda dalam {seconds:.1f} s")
        table.add_column("Hasil")
        for kind in ("provinsi", "kabupaten", "kota"):
            table.add_column(kind.capitalize(), justify="right")
        table.add_column("Jumlah", justify="right")
        counts = Counter((r.outcome, kinds.get(r.code, "?")) for r in results)
        for outcome, label in OUTCOME_LABELS.items():
            row = [counts[(outcome, k)] for k in ("provinsi", "kabupaten", "kota")]
            table.add_row(label, *map(str, row), str(sum(row)))
        self.console.print(table)
        failed = [r for r in results if r.outcome == Outcome.FAILED]
        if failed:
            errors = Table(title="Gagal (failed)")
            errors.add_column("Kode")
            errors.add_column("Pemda")
            errors.add_column("Sebab")
            for r in sorted(failed, key=lambda r: r.code):
                errors.add_row(r.code, r.name, r.message)
            self.console.print(errors)
        if any(r.login_url for r in results):
            self.console.print(f"Tautan masuk admin (sekali pakai) ditambahkan ke {links_file}")
