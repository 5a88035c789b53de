"""`manage.py breach_report --schema pemda_31|--all --since 2026-12-01T00:00+07:00 [--tables …]
[--format csv|json] [--output file]`: who to notify of a breach, and what of theirs was exposed.

UU PDP Pasal 46 gives 3 x 24 hours to notify the data subjects; the command prints how long it
took (a million reports take seconds, see README "Data protection").
"""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from complaints.dataprotection import BREACH_TABLES, breach_subjects
from tenants.models import Pemda


class Command(BaseCommand):
    help = "List the data subjects affected by a breach since a moment, with their contact and what was exposed."

    def add_arguments(self, parser: Any) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--schema", help="the breached Pemda's schema, e.g. pemda_31")
        where.add_argument("--all", action="store_true", help="every Pemda of this deployment")
        parser.add_argument("--since", required=True, help="when the breach began (ISO 8601)")
        parser.add_argument("--tables", default=",".join(BREACH_TABLES), help="breached tables, comma-separated")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        since = parse_datetime(options["since"])
        if since is None:
            raise CommandError(f"--since is not a date and time: {options['since']!r}")
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        tables = [t.strip() for t in options["tables"].split(",") if t.strip()]
        unknown = sorted(set(tables) - set(BREACH_TABLES))
        if unknown or not tables:
            raise CommandError(f"unknown table(s) {', '.join(unknown) or '(none)'}; known: {', '.join(BREACH_TABLES)}")
        schema = options["schema"]
        if schema and not Pemda.objects.filter(schema_name=schema).exists():
            raise CommandError(f"unknown schema {schema}")
        started = time.perf_counter()
        found = breach_subjects(since=since, tables=tables, schema=schema)
        elapsed = time.perf_counter() - started
        if options["format"] == "json":
            text = json.dumps(found, ensure_ascii=False, indent=2) + "\n"
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["subject_id", "name", "phone", "email", "reports", "exposed"])
            for s in found["subjects"]:
                writer.writerow(
                    [
                        s["subject_id"],
                        s["name"],
                        s["phone"],
                        s["email"],
                        " ".join(s["reports"]),
                        "; ".join(s["exposed"]),
                    ]
                )
            text = buffer.getvalue()
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")
        self.stderr.write(
            f"{len(found['subjects'])} subject(s) to notify in {found['pemda']} Pemda"
            f" ({found['reports_without_identity']} anonymous report(s) without contact) in {elapsed:.2f} s"
        )
