"""Keep the tenant's cached category list in step with the table."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from complaints.models import Category
from complaints.selectors import categories_forget


@receiver([post_save, post_delete], sender=Category)
def _category_changed(sender: type[Category], **kwargs: Any) -> None:
    categories_forget()
    transaction.on_commit(categories_forget)
