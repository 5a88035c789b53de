"""Seed the national hub and the DKI Jakarta pilot (idempotent: safe on every `make run`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from agencies.models import Unit
from agencies.services import unit_ensure
from tenants.models import Pemda
from tenants.pilot import JAKARTA, JAKARTA_UNITS
from tenants.services import hub_ensure, pemda_onboard


class Command(BaseCommand):
    help = "Create the hub, the Jakarta pilot with its SKPD, and an admin login (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument(
            "--credentials-file",
            default=str(Path(settings.VAR_DIR) / "local-admin.txt"),
            help="where a generated admin password is kept for local runs (never committed)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hub = hub_ensure()
        # The pilot goes through the same onboarding as every Pemda (standard SKPD tree, seeders,
        # calendar); reseed so a database from before a new seeder gets it too.
        for result in pemda_onboard(code=JAKARTA.code, reseed=True):
            self.stdout.write(result.message)
            if result.login_url:
                self.stdout.write(f"  {result.admin_username}: {result.login_url}")
        jakarta = Pemda.objects.get(code=JAKARTA.code)
        with tenant_context(jakarta):
            units: dict[str, Any] = {}
            for code, name, short, kind, parent in JAKARTA_UNITS:
                units[code] = unit_ensure(
                    code=code, name=name, short_name=short, kind=kind, parent=units.get(parent) if parent else None
                )
        username = options["admin_username"]
        password = self._admin(username=username, path=Path(options["credentials_file"]), hub=hub, jakarta=jakarta)
        with tenant_context(jakarta):
            count = Unit.objects.count()
        self.stdout.write(f"seeded: hub, {jakarta} with {count} SKPD units")
        self.stdout.write(f"admin login: {username} / {password}")

    @transaction.atomic
    def _admin(self, *, username: str, path: Path, hub: Any, jakarta: Any) -> str:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = user_model.objects.create_superuser(username=username, email="", password=password)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(password + "\n")
            path.chmod(0o600)
        else:
            password = path.read_text().strip() if path.exists() else "(unchanged; see your records)"
        Membership.objects.get_or_create(user=user, tenant=hub, role=Role.HUB_OPERATOR, unit_id=None)
        Membership.objects.get_or_create(user=user, tenant=jakarta, role=Role.TENANT_ADMIN, unit_id=None)
        return password
