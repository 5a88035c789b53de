"""`python -m tests.deploy.alternate N SLUG_A SLUG_B`: N sessions through DATABASE_URL, alternating Pemda.

Run with DATABASE_URL pointing at a PgBouncer: each session is what a web request or a task does
(a new Django connection, django-tenants' `SET search_path`, a query, close). It reads the units
whose code starts with POOL- and counts every session that saw any unit but its own Pemda's
marker. Prints one JSON line: sessions, mismatches, distinct server backends.
"""

from __future__ import annotations

import json
import sys


def main(count: int, slugs: list[str]) -> dict[str, object]:
    import django

    django.setup()
    from django.db import connection

    from agencies.models import Unit
    from lapor.pooler import pooler_require
    from tenants.models import Pemda

    pooler_require()  # what every process does at start
    pemda = [Pemda.objects.get(slug=slug) for slug in slugs]
    connection.close()
    mismatches, backends, seen = 0, set(), {}
    for i in range(count):
        tenant = pemda[i % len(pemda)]
        connection.set_tenant(tenant)
        codes = sorted(Unit.objects.filter(code__startswith="POOL-").values_list("code", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        if codes != [f"POOL-{tenant.slug.upper()}"]:
            mismatches += 1
        seen[tenant.slug] = codes
        connection.close()
    return {"sessions": count, "mismatches": mismatches, "server_backends": len(backends), "last_seen": seen}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), sys.argv[2:])))
