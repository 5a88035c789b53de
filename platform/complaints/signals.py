"""Keep the tenant's cached categories and calendar in step with their tables; audit Pemda exports."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_tenants.utils import schema_context

from complaints.models import Category
from complaints.selectors import categories_forget, tenant_calendar_forget
from tenants.models import WorkCalendar
from tenants.offboarding import pemda_exported


@receiver([post_save, post_delete], sender=Category)
def _category_changed(sender: type[Category], **kwargs: Any) -> None:
    categories_forget()
    transaction.on_commit(categories_forget)


@receiver([post_save, post_delete], sender=WorkCalendar)
def _work_calendar_changed(sender: type[WorkCalendar], instance: WorkCalendar, **kwargs: Any) -> None:
    # The row lives in public; the cached calendar is keyed in the Pemda's own schema.
    with schema_context(instance.pemda.schema_name):
        tenant_calendar_forget()


def pemda_export_audited(*, pemda: Any, requested_by: str, file: str, **_kwargs: Any) -> None:
    """A Pemda's export carries every reporter's sealed identity: an event of its own audit chain."""
    from complaints.audit import Actor, audit_record

    with schema_context(pemda.schema_name), transaction.atomic():
        audit_record(
            actor=Actor(user_id=None, label=requested_by[:120]),
            action="pemda_exported",
            report_id=None,
            data={"file": file, "requested_by": requested_by},
        )


pemda_exported.connect(pemda_export_audited, weak=False, dispatch_uid="complaints.pemda_exported")
