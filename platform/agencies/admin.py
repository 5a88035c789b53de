from django.contrib import admin

from agencies.models import Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "is_active")
    search_fields = ("code", "name", "short_name")
