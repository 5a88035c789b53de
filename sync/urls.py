"""Sync routes on the hub host: the signed inbox and its schema."""

from django.urls import path

from sync import apis

urlpatterns = [
    path("sync/v1/inbox/", apis.InboxApi.as_view(), name="sync-inbox"),
    path("sync/v1/schema.json", apis.SchemaApi.as_view(), name="sync-schema"),
]
