"""Signing in with a one-time code, the app's tokens, and the link from a filed report to its account.

Registration and login are one flow: a code goes to the phone (SMS, through the channel layer's
outbound queue of the hub's number) or the e-mail address, and the first correct code for an
address that has no account creates one. So asking for a code answers the same whether an
account exists or not, and only someone holding the phone or mailbox learns which it was.

Codes are 6 digits, kept only as a keyed hash bound to their address, valid for
`LAPOR_CITIZEN_CODE_MINUTES`, and only the newest code of an address counts. Five wrong tries
kill a code. Limits, counted in the database so that every web process sees the same: one code
a minute and `LAPOR_CITIZEN_CODES_PER_HOUR` an hour per address, `LAPOR_CITIZEN_CLIENT_CODES_PER_HOUR`
codes and as many wrong codes an hour per client address. Everything here lives in the public
schema, whichever host the request came to; a periodic task (citizens.tasks) forgets old codes
and expired tokens.

An account's phone number, once proven by a code, brings the reports that number filed by SMS or
WhatsApp into "my reports": those filed before, at every Pemda, by a task queued at each sign-in
by phone (`citizen_channel_reports_link`); those filed later, in the filing's own statement
(`citizen_channel_link_sql`, settings.LAPOR_CHANNEL_FILED_LINK) or, at the national number, when
the hub files it (`citizen_channel_report_link`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context
from knox.models import AuthToken

from channels.identity import phone_normalise, sender_hash
from channels.outbound import outbound_queue
from citizens.contacts import Contact
from citizens.models import Citizen, CitizenReport, CodeFailure, ContactKind, LoginCode
from complaints.models import Report
from lapor.crypto import decrypt, encrypt
from lapor.errors import InvalidTransition, RateLimited
from tenants.context import current_tenant
from tenants.models import Pemda, PemdaKind, PemdaStatus

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
WINDOW = timedelta(hours=1)
KEEP_FOR = timedelta(days=1)  # codes and failures older than this are deleted


class CodeNotSent(Exception):
    """The code could not be handed to the mail server (the SMS queue always takes it)."""


@dataclass(frozen=True)
class SignIn:
    citizen: Citizen
    token: str  # shown once; knox keeps only its digest
    expiry: datetime | None
    created: bool  # a new account (registration) rather than a login


def _key(purpose: str) -> bytes:
    return hashlib.sha256(f"lapor-citizen-{purpose}:{settings.SECRET_KEY}".encode()).digest()


def _code_hash(contact: Contact, code: str) -> str:
    # Bound to the address: a code is worth nothing for any other phone or mailbox.
    return hmac.new(_key("code"), f"{contact.hash}:{code}".encode(), hashlib.sha256).hexdigest()


def _client_hash(address: str) -> str:
    return hmac.new(_key("client"), address.encode(), hashlib.sha256).hexdigest()


def _lock(contact: Contact) -> None:
    """Serialise the code requests and sign-ins of one address (until the transaction ends)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"citizen:{contact.hash}"])


def _wait(until: datetime, now: datetime) -> int:
    return max(int((until - now).total_seconds()) + 1, 1)


def citizen_code_request(*, contact: Contact, client_address: str) -> None:
    """Send a sign-in code to `contact` (a new account or an existing one: the caller is not told)."""
    with schema_context(get_public_schema_name()):
        code, row = _code_create(contact=contact, client_address=client_address)
    if contact.kind == ContactKind.EMAIL:
        _code_mail(contact=contact, code=code, row=row)


@transaction.atomic
def _code_create(*, contact: Contact, client_address: str) -> tuple[str, LoginCode]:
    now = timezone.now()
    _lock(contact)
    client = _client_hash(client_address)
    recent = list(
        LoginCode.objects.filter(destination_hash=contact.hash, created_at__gte=now - WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    if recent and now - recent[0] < RESEND_AFTER:
        raise RateLimited(
            _("Kode baru saja dikirim. Tunggu sebentar sebelum meminta kode lagi."),
            retry_after=_wait(recent[0] + RESEND_AFTER, now),
        )
    if len(recent) >= settings.LAPOR_CITIZEN_CODES_PER_HOUR:
        raise RateLimited(
            _("Terlalu banyak permintaan kode untuk alamat ini. Coba lagi nanti."),
            retry_after=_wait(recent[-1] + WINDOW, now),
        )
    from_client = LoginCode.objects.filter(client_hash=client, created_at__gte=now - WINDOW)
    if from_client.count() >= settings.LAPOR_CITIZEN_CLIENT_CODES_PER_HOUR:
        oldest = from_client.order_by("created_at").values_list("created_at", flat=True).first() or now
        raise RateLimited(
            _("Terlalu banyak permintaan kode. Coba lagi nanti."), retry_after=_wait(oldest + WINDOW, now)
        )
    # Only the newest code of an address counts.
    LoginCode.objects.filter(destination_hash=contact.hash, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.LAPOR_CITIZEN_CODE_MINUTES
    row = LoginCode.objects.create(
        kind=contact.kind,
        destination_hash=contact.hash,
        code_hash=_code_hash(contact, code),
        client_hash=client,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    if contact.kind == ContactKind.PHONE:
        # The hub's number sends it, through the same queue, sender and retries as every SMS reply.
        outbound_queue(
            provider=settings.LAPOR_CITIZEN_SMS_PROVIDER,
            address=settings.LAPOR_CITIZEN_SMS_FROM,
            recipient=contact.value,
            text=_(
                "LAPOR! kode masuk Anda: %(code)s. Berlaku %(minutes)s menit. "
                "Jangan berikan kode ini kepada siapa pun, termasuk petugas."
            )
            % {"code": code, "minutes": minutes},
        )
    return code, row


def _code_mail(*, contact: Contact, code: str, row: LoginCode) -> None:
    minutes = settings.LAPOR_CITIZEN_CODE_MINUTES
    try:
        send_mail(
            subject=_("Kode masuk LAPOR!: %(code)s") % {"code": code},
            message=_(
                "Kode masuk akun LAPOR! Anda: %(code)s\n\n"
                "Kode ini berlaku %(minutes)s menit. Jangan berikan kode ini kepada siapa pun, termasuk petugas.\n"
                "Jika Anda tidak meminta kode ini, abaikan surel ini."
            )
            % {"code": code, "minutes": minutes},
            from_email=None,
            recipient_list=[contact.value],
        )
    except Exception as exc:  # SMTP refused or unreachable: the code is useless, say so
        logger.warning("citizen sign-in code not mailed: %s", exc)
        with schema_context(get_public_schema_name()):
            LoginCode.objects.filter(pk=row.pk).update(expires_at=timezone.now())
        raise CodeNotSent(str(exc)) from None


def citizen_sign_in(*, contact: Contact, code: str, client_address: str) -> SignIn:
    """The code's check; a right one gives a new token (and an account, the first time)."""
    with schema_context(get_public_schema_name()):
        outcome = _sign_in(contact=contact, code=code.strip(), client_address=client_address)
    if isinstance(outcome, str):
        # Raised after the transaction committed: the wrong try stays counted.
        raise ValidationError({"code": outcome})
    return outcome


@transaction.atomic
def _sign_in(*, contact: Contact, code: str, client_address: str) -> SignIn | str:
    now = timezone.now()
    refused = _code_consume(contact=contact, code=code, client_address=client_address, now=now)
    if refused:
        return refused
    citizen, created = _citizen_for(contact=contact, now=now)
    if not citizen.user.is_active:
        return _("Akun ini dinonaktifkan.")
    citizen.last_login_at = now
    if contact.kind == ContactKind.PHONE:
        citizen.phone_proven_at = now
        _channel_reports_queue(citizen)
    citizen.save(update_fields=["last_login_at", "phone_proven_at"])
    token_row, token = AuthToken.objects.create(user=citizen.user)
    return SignIn(citizen=citizen, token=token, expiry=token_row.expiry, created=created)


def citizen_contact_add(*, citizen: Citizen, contact: Contact, code: str, client_address: str) -> Citizen:
    """Put a second address on the account (a phone beside the e-mail, or the other way round),
    or change it, once the code sent there is given back. An address another account holds is refused."""
    with schema_context(get_public_schema_name()):
        outcome = _contact_add(citizen=citizen, contact=contact, code=code.strip(), client_address=client_address)
    if isinstance(outcome, tuple):
        raise ValidationError({outcome[0]: outcome[1]})
    return outcome


@transaction.atomic
def _contact_add(*, citizen: Citizen, contact: Contact, code: str, client_address: str) -> Citizen | tuple[str, str]:
    now = timezone.now()
    field = "phone" if contact.kind == ContactKind.PHONE else "email"
    holder = Citizen.objects.filter(**{f"{field}_hash": contact.hash}).values_list("pk", flat=True).first()
    if holder is not None and holder != citizen.pk:
        message = _(
            "Alamat ini sudah dipakai akun warga lain. Masuk dengan alamat itu, atau tutup akun tersebut dahulu."
        )
        return (field, message)
    refused = _code_consume(contact=contact, code=code, client_address=client_address, now=now)
    if refused:
        return ("code", refused)
    citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
    setattr(citizen, f"{field}_hash", contact.hash)
    setattr(citizen, field, encrypt(contact.value))
    updated = [f"{field}_hash", field]
    if contact.kind == ContactKind.PHONE:
        citizen.phone_proven_at = now
        updated.append("phone_proven_at")
        _channel_reports_queue(citizen)
    citizen.save(update_fields=updated)
    return citizen


def _code_consume(*, contact: Contact, code: str, client_address: str, now: datetime) -> str | None:
    """Check the code sent to `contact` and use it up; the refusal's message, or None when right."""
    _lock(contact)
    client = _client_hash(client_address)
    failures = CodeFailure.objects.filter(client_hash=client, created_at__gte=now - WINDOW)
    if failures.count() >= settings.LAPOR_CITIZEN_CLIENT_CODES_PER_HOUR:
        oldest = failures.order_by("created_at").values_list("created_at", flat=True).first() or now
        raise RateLimited(
            _("Terlalu banyak kode yang salah. Coba lagi nanti."), retry_after=_wait(oldest + WINDOW, now)
        )
    row = (
        LoginCode.objects.select_for_update()
        .filter(destination_hash=contact.hash, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if row is None or row.expires_at <= now:
        return _("Kode salah atau sudah kedaluwarsa. Minta kode baru.")
    if row.attempts >= MAX_ATTEMPTS:
        return _("Terlalu banyak percobaan yang salah untuk kode ini. Minta kode baru.")
    if not hmac.compare_digest(row.code_hash, _code_hash(contact, code)):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        CodeFailure.objects.create(client_hash=client, created_at=now)
        left = MAX_ATTEMPTS - row.attempts
        if left == 0:
            return _("Kode salah. Kode ini tidak berlaku lagi; minta kode baru.")
        return _("Kode salah. Sisa percobaan: %(left)s.") % {"left": left}
    row.used_at = now
    row.save(update_fields=["used_at"])
    return None


def _citizen_for(*, contact: Contact, now: datetime) -> tuple[Citizen, bool]:
    field = "phone" if contact.kind == ContactKind.PHONE else "email"
    citizen = Citizen.objects.select_related("user").filter(**{f"{field}_hash": contact.hash}).first()
    if citizen is not None:
        return citizen, False
    # A Django user only so that knox can hold its tokens: no password, no membership, no staff flag.
    user = get_user_model().objects.create_user(username=f"warga-{secrets.token_hex(10)}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    citizen = Citizen.objects.create(
        user=user, **{f"{field}_hash": contact.hash, field: encrypt(contact.value)}, created_at=now
    )
    return citizen, True


def citizen_subject_export(*, phone: str = "", email: str = "") -> list[dict[str, Any]]:
    """The citizen accounts held under a data subject's phone or e-mail (complaints.dataprotection's
    export asks through settings.LAPOR_SUBJECT_EXPORTERS): addresses, dates and the linked reports."""
    hashes = {}
    if phone:
        hashes["phone_hash"] = sender_hash(phone_normalise(phone))
    if email:
        hashes["email_hash"] = sender_hash(email.strip().lower())
    if not hashes:
        return []
    query = Q()
    for column, value in hashes.items():
        query |= Q(**{column: value})
    with schema_context(get_public_schema_name()):
        return [
            {
                "kind": "citizen_account",
                "phone": decrypt(c.phone),
                "email": decrypt(c.email),
                "created_at": c.created_at.isoformat(),
                "last_login_at": c.last_login_at.isoformat() if c.last_login_at else None,
                "reports": [
                    {"tracking_id": link.tracking_id, "linked_at": link.created_at.isoformat()}
                    for link in CitizenReport.objects.filter(citizen=c).order_by("created_at")
                ],
            }
            for c in Citizen.objects.filter(query).order_by("pk")
        ]


def citizen_sign_out(*, token: AuthToken) -> None:
    """Revoke the token of this request (this device)."""
    token.delete()


def citizen_sign_out_everywhere(*, citizen: Citizen) -> int:
    """Revoke every token of the account (a lost phone); returns how many there were."""
    deleted, _by_model = AuthToken.objects.filter(user_id=citizen.user_id).delete()
    return deleted


def citizen_delete(*, citizen: Citizen) -> None:
    """Close the account: its tokens, its links to reports and its sealed addresses go.

    The reports stay with their Pemda, as filed (with whatever the citizen wrote in them, sealed
    as always, and their reporter token); only the account's view of them is gone.
    """
    with schema_context(get_public_schema_name()), transaction.atomic():
        citizen.user.delete()  # cascades: Citizen, CitizenReport, knox tokens


def citizen_report_claim(*, citizen: Citizen, report: Report) -> tuple[CitizenReport, bool]:
    """Add a report filed without the account (its reporter token was shown) to "my reports".

    Call inside the report's Pemda (tenant context). Idempotent for its own account; a report
    already in another account stays there.
    """
    link, created = CitizenReport.objects.get_or_create(
        tenant_id=current_tenant().pk,
        report_id=report.pk,
        defaults={"citizen": citizen, "tracking_id": report.tracking_id, "created_at": report.submitted_at},
    )
    if link.citizen_id != citizen.pk:
        raise InvalidTransition(_("Laporan ini sudah ada di akun warga lain."))
    return link, created


def citizen_housekeeping(*, now: datetime | None = None) -> dict[str, int]:
    """Forget what no longer counts: codes and wrong tries older than a day, expired tokens."""
    now = now or timezone.now()
    with schema_context(get_public_schema_name()):
        codes, _m1 = LoginCode.objects.filter(created_at__lt=now - KEEP_FOR).delete()
        failures, _m2 = CodeFailure.objects.filter(created_at__lt=now - KEEP_FOR).delete()
        tokens, _m3 = AuthToken.objects.filter(expiry__lt=now, user__citizen__isnull=False).delete()
    return {"codes": codes, "failures": failures, "tokens": tokens}


def citizen_report_link(*, user: Any, report: Report) -> None:
    """complaints.filers' hook: `user` (a citizen's token) filed `report` on this Pemda's host.

    Runs in the report's transaction, in the Pemda's schema; the link table is in public,
    reached through the search path, so both commit together.
    """
    CitizenReport.objects.create(
        citizen=user.citizen,
        tenant_id=current_tenant().pk,
        report_id=report.pk,
        tracking_id=report.tracking_id,
        created_at=report.submitted_at,
    )


# Providers whose sender is a phone number (an X account is not).
PHONE_PROVIDERS = ("kannel", "twilio", "whatsapp")
_SCHEMAS_PER_STATEMENT = 100


def _channel_reports_queue(citizen: Citizen) -> None:
    from citizens.tasks import citizen_channel_reports_task

    citizen_id = citizen.pk
    transaction.on_commit(lambda: citizen_channel_reports_task.delay(citizen_id))


def citizen_channel_reports_link(*, citizen_id: int) -> int:
    """Add to the account's reports every report its phone number filed by SMS or WhatsApp at any
    Pemda (the channel layer's record of the message that filed it, with the same keyed hash of
    the number). Idempotent; a report another account already holds stays there. Returns how
    many were added. One statement per hundred Pemda, each an index lookup per schema.

    Only messages of the last settings.LAPOR_CITIZEN_PHONE_LINK_DAYS before the number was proven
    count: operators give an unused number to someone else, and its new holder must not find the
    old holder's (often anonim) reports in an account."""
    with schema_context(get_public_schema_name()):
        citizen = Citizen.objects.filter(pk=citizen_id, phone_proven_at__isnull=False).exclude(phone_hash="").first()
        if citizen is None or citizen.phone_proven_at is None:
            return 0
        since = citizen.phone_proven_at - timedelta(days=settings.LAPOR_CITIZEN_PHONE_LINK_DAYS)
        places = list(
            Pemda.objects.exclude(kind=PemdaKind.HUB)
            .exclude(status=PemdaStatus.PROVISIONING)
            .order_by("pk")
            .values_list("pk", "schema_name")
        )
        table = connection.ops.quote_name(CitizenReport._meta.db_table)
        added = 0
        for start in range(0, len(places), _SCHEMAS_PER_STATEMENT):
            parts: list[str] = []
            params: list[Any] = []
            for tenant_id, schema in places[start : start + _SCHEMAS_PER_STATEMENT]:
                q = connection.ops.quote_name(schema)
                parts.append(
                    f"SELECT {int(tenant_id)} AS tenant_id, r.id, r.tracking_id, r.submitted_at"
                    f" FROM {q}.channels_inboundmessage m JOIN {q}.complaints_report r ON r.id = m.report_id"
                    " WHERE m.provider = ANY(%s) AND m.sender_hash = %s AND m.outcome = 'report'"
                    " AND m.created_at >= %s"
                )
                params += [list(PHONE_PROVIDERS), citizen.phone_hash, since]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (citizen_id, tenant_id, report_id, tracking_id, created_at)"
                    f" SELECT DISTINCT %s, found.* FROM ({' UNION ALL '.join(parts)}) found"
                    " ON CONFLICT (tenant_id, report_id) DO NOTHING",
                    [citizen.pk, *params],
                )
                added += cursor.rowcount
    if added:
        logger.info("citizen #%s: %s report(s) filed by the account's phone number added", citizen_id, added)
    return added


def citizen_channel_link_sql(*, phone_hash: str, tenant_id: int, tracking_id: str) -> tuple[str, list[Any]]:
    """The body of a CTE of the intake's statement (complaints.intake.Also, the report's row as
    `r`) that links the report a phone number is filing to the account holding that number, if the
    account proved the number within settings.LAPOR_CITIZEN_PHONE_LINK_DAYS."""
    public = connection.ops.quote_name(get_public_schema_name())
    proven_since = timezone.now() - timedelta(days=settings.LAPOR_CITIZEN_PHONE_LINK_DAYS)
    return (
        f"INSERT INTO {public}.{CitizenReport._meta.db_table}"
        " (citizen_id, tenant_id, report_id, tracking_id, created_at)"
        f" SELECT c.id, %s, r.id, %s, r.submitted_at FROM r JOIN {public}.{Citizen._meta.db_table} c"
        # phone_hash <> '' lets the planner use the partial unique index on it.
        " ON c.phone_hash = %s AND c.phone_hash <> '' AND c.phone_proven_at >= %s"
        " ON CONFLICT (tenant_id, report_id) DO NOTHING",
        [tenant_id, tracking_id, phone_hash, proven_since],
    )


def citizen_channel_report_link(*, phone_hash: str, report: Report) -> None:
    """Link `report`, just filed in the current Pemda by this phone number, to its account if any."""
    proven_since = timezone.now() - timedelta(days=settings.LAPOR_CITIZEN_PHONE_LINK_DAYS)
    holders = Citizen.objects.filter(phone_hash=phone_hash, phone_proven_at__gte=proven_since).exclude(phone_hash="")
    found = holders.values_list("pk", flat=True).first()
    if found is not None:
        CitizenReport.objects.get_or_create(
            tenant_id=current_tenant().pk,
            report_id=report.pk,
            defaults={"citizen_id": found, "tracking_id": report.tracking_id, "created_at": report.submitted_at},
        )
