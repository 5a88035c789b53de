"""Drop cached host lookups when a domain or a Pemda changes, so routing follows at once."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from tenants import hostcache
from tenants.models import Domain, Pemda


@receiver(pre_save, sender=Domain)
def _domain_renamed(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    if instance.pk:
        old = Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        if old and old != instance.domain:
            hostcache.forget_host(old)
            transaction.on_commit(lambda: hostcache.forget_host(old))


@receiver([post_save, post_delete], sender=Domain)
def _domain_changed(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    host = instance.domain
    hostcache.forget_host(host)
    # Again after commit: a request may have re-cached the old row while we were in the transaction.
    transaction.on_commit(lambda: hostcache.forget_host(host))


@receiver([post_save, post_delete], sender=Pemda)
def _pemda_changed(sender: type[Pemda], instance: Pemda, **kwargs: Any) -> None:
    tenant_id = instance.pk
    if tenant_id is None:
        return
    hostcache.forget_tenant(tenant_id)
    transaction.on_commit(lambda: hostcache.forget_tenant(tenant_id))
