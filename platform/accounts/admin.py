from django.contrib import admin
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp.admin import OTPAdminSite

from accounts import two_factor
from accounts.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "unit_id", "is_active")
    list_filter = ("role", "is_active", "tenant__kind")
    search_fields = ("user__username", "user__email", "tenant__name", "tenant__code")
    raw_id_fields = ("user", "tenant")


class TwoFactorAdminSite(OTPAdminSite):
    """The Django admin asks for the authenticator's code too (django-otp's admin login form) and
    treats a session that has not passed it as no staff, while two-factor sign-in is required."""

    def has_permission(self, request: HttpRequest) -> bool:
        if two_factor.required():
            return bool(super().has_permission(request))
        return AdminSite.has_permission(self, request)


# django-otp's documented way to protect the default admin site in place (its registrations stay).
admin.site.__class__ = TwoFactorAdminSite
