"""`manage.py subject_export --phone 0812… [--email …] [--nik …] --output file.json`: a data
subject's access request (UU PDP Pasal 7 and 32), answered from every Pemda of this deployment.

Each report exported is an `identity_exported` audit event in its Pemda.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from complaints.dataprotection import Subject, subject_export_all


class Command(BaseCommand):
    help = "Write every report of one person (found by phone, e-mail or NIK) with their identity as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--phone", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--nik", default="")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--requested-by",
            default="ekspor subjek data (manage.py)",
            help="who asked, recorded in each Pemda's audit trail",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        subject = Subject(phone=options["phone"], email=options["email"], nik=options["nik"])
        if not subject.hashes():
            raise CommandError("give at least one of --phone, --email, --nik")
        export = subject_export_all(subject=subject, requested_by=options["requested_by"])
        text = json.dumps(export, ensure_ascii=False, indent=2)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text + "\n")
        else:
            self.stdout.write(text, ending="\n")
        pemda = len({r["pemda"]["code"] for r in export["reports"]})
        self.stderr.write(
            f"{len(export['reports'])} report(s) in {pemda} Pemda, {len(export['accounts'])} citizen account(s)"
        )
