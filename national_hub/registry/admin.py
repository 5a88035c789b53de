"""Hub console pages for the K/L registry and routing rules (hub host only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from national_hub.registry.data import REGISTRY_AS_OF, REGISTRY_SOURCE
from national_hub.registry.models import Instansi, RoutingRule


@admin.register(Instansi)
class InstansiAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "categories", "connector", "is_active"]
    list_filter = ["kind", "connector", "is_active"]
    search_fields = ["code", "name", "acronym"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # The operators see what the default rows describe before they trust or edit them.
        messages.info(
            request,
            _("Data awal registri: %(source)s (keadaan per %(date)s).")
            % {"source": REGISTRY_SOURCE, "date": REGISTRY_AS_OF.isoformat()},
        )
        return super().changelist_view(request, extra_context)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "category_code", "region_prefix", "target_code", "priority", "is_active"]
    list_filter = ["kind", "is_active"]
