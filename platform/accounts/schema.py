"""OpenAPI descriptions of the tenant-checking authentication classes (drf-spectacular)."""

from drf_spectacular.authentication import BasicScheme, SessionScheme


class TenantSessionScheme(SessionScheme):
    target_class = "accounts.authentication.TenantSessionAuthentication"


class TenantBasicScheme(BasicScheme):
    target_class = "accounts.authentication.TenantBasicAuthentication"
