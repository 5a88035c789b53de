"""`manage.py offboard_pemda archive|unarchive|export|restore|delete ...`: a Pemda leaving the platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.offboarding import pemda_archive, pemda_delete, pemda_export, pemda_restore, pemda_unarchive
from tenants.services import OnboardingError


class Command(BaseCommand):
    help = "Archive (read-only), export, restore or delete a Pemda."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("archive", help="read-only; still visible to the hub").add_argument("code")
        sub.add_parser("unarchive", help="live again").add_argument("code")
        export = sub.add_parser("export", help="registry record + schema dump as one .tar")
        export.add_argument("code")
        export.add_argument("--output", default=str(Path(settings.VAR_DIR) / "exports"))
        sub.add_parser("restore", help="bring an export back").add_argument("file")
        delete = sub.add_parser("delete", help="drop the schema and registry rows")
        delete.add_argument("code")
        delete.add_argument("--confirm", required=True, help="repeat the Pemda's code exactly")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "archive":
                pemda = pemda_archive(code=options["code"])
                self.stdout.write(f"{pemda}: diarsipkan (hanya baca). (Archived, read-only.)")
            elif action == "unarchive":
                pemda = pemda_unarchive(code=options["code"])
                self.stdout.write(f"{pemda}: aktif kembali. (Live again.)")
            elif action == "export":
                path = pemda_export(code=options["code"], directory=Path(options["output"]))
                self.stdout.write(f"ekspor: {path}")
            elif action == "restore":
                pemda = pemda_restore(path=Path(options["file"]))
                self.stdout.write(f"{pemda}: dipulihkan dengan status {pemda.get_status_display()}. (Restored.)")
            elif action == "delete":
                pemda_delete(code=options["code"], confirm=options["confirm"])
                self.stdout.write(f"{options['code']}: skema dan data registri dihapus. (Deleted.)")
        except OnboardingError as exc:
            raise CommandError(" ".join(exc.messages)) from None
