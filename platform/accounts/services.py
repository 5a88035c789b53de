"""Writes about accounts: the first admin of a Pemda and one-time login links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import LoginLink, Membership, Role

# Long enough for a Pemda to receive the link through its official channel, short enough that a
# forgotten e-mail is not a standing door into the tenant.
LOGIN_LINK_TTL = timedelta(days=7)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    link: LoginLink
    token: str  # shown once; only its digest is stored


@transaction.atomic
def login_link_issue(*, user: Any, tenant: Any) -> IssuedLink:
    """A new one-time link for this user on this tenant; earlier unused links of the pair are revoked."""
    now = timezone.now()
    LoginLink.objects.filter(user=user, tenant=tenant, used_at__isnull=True).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    link = LoginLink.objects.create(
        user=user, tenant=tenant, token_hash=_digest(token), expires_at=now + LOGIN_LINK_TTL
    )
    return IssuedLink(link=link, token=token)


@transaction.atomic
def login_link_consume(*, token: str, tenant: Any) -> Any | None:
    """The user of a valid, unused, unexpired link for this tenant, marking it used; else None.

    The conditional UPDATE claims the link, so two requests racing with the same token cannot
    both log in.
    """
    now = timezone.now()
    claimed = LoginLink.objects.filter(
        token_hash=_digest(token), tenant=tenant, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        return None
    link = LoginLink.objects.select_related("user").get(token_hash=_digest(token))
    if not link.user.is_active:
        return None
    return link.user


@dataclass(frozen=True)
class FirstAdmin:
    user: Any
    issued: IssuedLink | None  # None when the Pemda already had its admin (nothing changed)


@transaction.atomic
def tenant_admin_ensure(*, tenant: Any, username: str, email: str = "") -> FirstAdmin:
    """Give the Pemda its first admin with a login link; a no-op when it has an admin already.

    The account gets no usable password (hashing one costs ~0.3 s, and nobody should know it):
    the admin signs in through the one-time link and sets a password afterwards.
    """
    existing = Membership.objects.filter(tenant=tenant, role=Role.TENANT_ADMIN).select_related("user").first()
    if existing is not None:
        return FirstAdmin(user=existing.user, issued=None)
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, email=email)
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, tenant=tenant, role=Role.TENANT_ADMIN, unit_id=None)
    return FirstAdmin(user=user, issued=login_link_issue(user=user, tenant=tenant))


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    issued: IssuedLink  # the one-time link, shown once to the admin who invites


@transaction.atomic
def officer_invite(*, tenant: Any, username: str, email: str, role: str, unit_id: int | None) -> Invitation:
    """Give a person a role in this Pemda and a one-time sign-in link (the admin hands it over).

    A new account gets no usable password: the person signs in through the link and chooses one.
    An existing account keeps its password and gains the role.
    """
    if role not in Role.values or role in (Role.HUB_OPERATOR, Role.KL_OFFICER):
        raise ValidationError({"role": _("Peran ini tidak dapat diberikan di Pemda.")})
    if role in (Role.UNIT_HEAD, Role.UNIT_OFFICER) and unit_id is None:
        raise ValidationError({"unit_id": _("Pilih unit untuk kepala atau petugas unit.")})
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Nama pengguna wajib diisi.")})
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, email=email.strip())
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    unit = unit_id if role in (Role.UNIT_HEAD, Role.UNIT_OFFICER) else None
    membership, _created = Membership.objects.get_or_create(user=user, tenant=tenant, role=role, unit_id=unit)
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    return Invitation(membership=membership, issued=login_link_issue(user=user, tenant=tenant))


@transaction.atomic
def membership_set_active(*, membership: Membership, active: bool) -> Membership:
    """Withdraw (or give back) a role; the person's other roles and the record of their work stay."""
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    return membership
