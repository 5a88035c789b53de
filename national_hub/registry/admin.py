"""Hub console pages for the K/L registry and routing rules (hub host only)."""

from __future__ import annotations

from django.contrib import admin

from national_hub.registry.models import Instansi, RoutingRule


@admin.register(Instansi)
class InstansiAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "connector", "is_active"]
    list_filter = ["kind", "connector", "is_active"]
    search_fields = ["code", "name", "acronym"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "category_code", "region_prefix", "target_code", "priority", "is_active"]
    list_filter = ["kind", "is_active"]
