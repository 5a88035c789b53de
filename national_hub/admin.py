"""Hub console pages for hub referrals (the K/L registry has its own, national_hub.registry.admin)."""

from __future__ import annotations

from django.contrib import admin

from national_hub.models import HubReferral


@admin.register(HubReferral)
class HubReferralAdmin(admin.ModelAdmin):
    list_display = ["tracking_id", "title", "origin_name", "target_code", "status", "triage_due_at", "updated_at"]
    list_filter = ["status", "target_kind"]
    search_fields = ["tracking_id", "title", "referral_key"]
