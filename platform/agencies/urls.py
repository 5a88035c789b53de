"""Pages of the SKPD tree on a Pemda host."""

from django.urls import path

from agencies.views import tenant_home

urlpatterns = [path("", tenant_home, name="tenant-home")]
