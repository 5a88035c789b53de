"""`manage.py sync_peer CODE --url URL [--key-id ID --secret S]`: register an HTTP peer and a key.

Without --key-id/--secret a new key is issued and printed once (the hub side); with them, the
key the hub issued is recorded (the peer side).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sync.models import Peer
from sync.signing import peer_key_issue


class Command(BaseCommand):
    help = "Register or update an HTTP sync peer and add a signing key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("code")
        parser.add_argument("--name", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--key-id", default="")
        parser.add_argument("--secret", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        peer, _created = Peer.objects.update_or_create(
            code=options["code"],
            defaults={"name": options["name"] or options["code"], "inbox_url": options["url"], "is_active": True},
        )
        if options["key_id"] and peer.keys.filter(key_id=options["key_id"]).exists():
            return
        issued = peer_key_issue(peer=peer, key_id=options["key_id"], secret=options["secret"])
        if options["secret"]:
            self.stdout.write(f"{peer.code} key_id={issued.key.key_id} recorded")
        else:
            # Shown this once: only its sealed form is stored.
            self.stdout.write(f"{peer.code} key_id={issued.key.key_id} secret={issued.secret}")
