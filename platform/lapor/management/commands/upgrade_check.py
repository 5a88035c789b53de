"""`manage.py upgrade_check [MIGRATION_FILE ...]` (`make upgrade-check`): refuse contract migrations.

Without arguments it judges every migration the database (DATABASE_URL: the public schema and
each Pemda's) has yet to apply; with files, those migration files (a change under review). Exits 1
when one of them would break the release that is still running during the upgrade (lapor.upgrades).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lapor.upgrades import judge_files, judge_nodes, pending_in_database


class Command(BaseCommand):
    help = "Fail when a pending migration is not backwards compatible with the running code."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="migration files to judge instead of the database's")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["files"]:
            verdicts = judge_files(options["files"])
        else:
            nodes, notes = pending_in_database()
            for note in notes:
                self.stdout.write(f"note: {note}")
            verdicts = judge_nodes(nodes)
        if not verdicts:
            self.stdout.write("upgrade-check: no pending migrations")
            return
        failing = 0
        for verdict in verdicts:
            label = f"{verdict.app}.{verdict.name}"
            if not verdict.problems:
                self.stdout.write(f"ok       {label}")
            elif verdict.accepted_because:
                self.stdout.write(f"contract {label} (accepted: {verdict.accepted_because})")
                for problem in verdict.problems:
                    self.stdout.write(f"           {problem}")
            else:
                failing += 1
                self.stdout.write(f"UNSAFE   {label}")
                for problem in verdict.problems:
                    self.stdout.write(f"           {problem}")
        if failing:
            raise CommandError(
                f"{failing} pending migration(s) would break the running release: split them into expand now, "
                "contract in a later release (deploy/README.md, Upgrades), or state why it is safe (upgrade_contract)"
            )
        self.stdout.write(f"upgrade-check: {len(verdicts)} pending migration(s), all backwards compatible")
