from django.contrib import admin

from accounts.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "unit_id", "is_active")
    list_filter = ("role", "is_active", "tenant__kind")
    search_fields = ("user__username", "user__email", "tenant__name", "tenant__code")
    raw_id_fields = ("user", "tenant")
