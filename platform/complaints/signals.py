"""Keep the tenant's cached categories and calendar in step with their tables."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_tenants.utils import schema_context

from complaints.models import Category
from complaints.selectors import categories_forget, tenant_calendar_forget
from tenants.models import WorkCalendar


@receiver([post_save, post_delete], sender=Category)
def _category_changed(sender: type[Category], **kwargs: Any) -> None:
    categories_forget()
    transaction.on_commit(categories_forget)


@receiver([post_save, post_delete], sender=WorkCalendar)
def _work_calendar_changed(sender: type[WorkCalendar], instance: WorkCalendar, **kwargs: Any) -> None:
    # The row lives in public; the cached calendar is keyed in the Pemda's own schema.
    with schema_context(instance.pemda.schema_name):
        tenant_calendar_forget()
