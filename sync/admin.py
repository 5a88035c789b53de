"""Hub console pages of the sync: peers and their keys, the outbox with dead letters (replay)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sync.delivery import outbox_replay
from sync.models import OutboxMessage, OutboxStatus, Peer, PeerKey
from sync.signing import peer_key_issue


class PeerKeyInline(admin.TabularInline):
    model = PeerKey
    extra = 0
    fields = ["key_id", "created_at", "retired_at"]
    readonly_fields = ["key_id", "created_at"]


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "transport", "inbox_url", "is_active"]
    inlines = [PeerKeyInline]
    actions = ["issue_key"]

    @admin.action(description=_("Terbitkan kunci baru (rotasi)"))
    def issue_key(self, request: HttpRequest, queryset: QuerySet[Peer]) -> None:
        for peer in queryset:
            issued = peer_key_issue(peer=peer)
            # Shown this once, to hand to the peer over a secure channel; only its sealed form is stored.
            self.message_user(
                request, f"{peer.code}: key_id={issued.key.key_id} secret={issued.secret}", messages.WARNING
            )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "sender", "recipient", "referral_key", "version", "status", "attempts"]
    list_filter = ["status", "kind", "recipient"]
    search_fields = ["referral_key", "id"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["replay"]

    @admin.action(description=_("Kirim ulang dead letter terpilih"))
    def replay(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox_replay(message_ids=list(queryset.filter(status=OutboxStatus.DEAD).values_list("pk", flat=True)))
        self.message_user(request, _("%(n)s pesan dikirim ulang.") % {"n": count})

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
