"""One inbound message, taken exactly once: normalised, kept, acted on, answered.

Every provider's adapter (channels.providers) builds an `Inbound` and calls `inbound_receive`.
In one transaction: the message is inserted unless (provider, provider message id) is already
there — a gateway that retries gets the first outcome and nothing new happens —, the sender's
conversation row is locked (one sender's messages are taken in order), limits and the first-message
confirmation are applied, the keyword is acted on through the door of this place (a Pemda or the
hub: settings.LAPOR_CHANNEL_DOORS), and the answer is queued for sending (channels.outbound).
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from channels.doors import MIN_TEXT, Answer, Door, Inbound, help_text
from channels.identity import sender_hash
from channels.keywords import parse
from channels.models import Conversation, InboundMessage, Outcome
from channels.outbound import outbound_queue
from channels.providers.common import MAX_TEXT, MediaError
from lapor.crypto import encrypt
from tenants.context import current_schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    inbound_id: int
    duplicate: bool
    outcome: str
    reply: str = ""
    tracking_id: str = ""


def door_here() -> Door:
    place = "hub" if current_schema() == "public" else "pemda"
    door: Door = import_string(settings.LAPOR_CHANNEL_DOORS[place])
    return door


def inbound_receive(message: Inbound) -> Received:
    """Take `message` once; a repeat of the same provider message id returns the first outcome."""
    now = timezone.now()
    s_hash = sender_hash(message.sender)
    with transaction.atomic():
        row = _inbound_insert(message, s_hash, now)
        if row is None:
            first = InboundMessage.objects.get(
                provider=message.provider, provider_message_id=message.provider_message_id[:128]
            )
            logger.info(
                "channel message %s:%s delivered again; nothing new", message.provider, first.provider_message_id
            )
            return Received(first.pk, True, first.outcome, tracking_id=first.tracking_id)
        conversation = _conversation_locked(message.provider, s_hash, now)
        loaded = {f.attname: deepcopy(getattr(conversation, f.attname)) for f in Conversation._meta.concrete_fields}
        command = parse(message.text)
        with translation.override(
            command.language if command.kind != "other" else _conversation_language(conversation)
        ):
            answer = _act(message, command, conversation)
            if answer.pending is not None:
                conversation.pending = answer.pending
            changed = [name for name, value in loaded.items() if getattr(conversation, name) != value]
            if changed:  # updated_at was written when the row was locked
                conversation.save(update_fields=changed)
            row.outcome = answer.outcome
            row.report_id = answer.report_id
            row.tracking_id = answer.tracking_id
            row.save(update_fields=["outcome", "report_id", "tracking_id"])
            if answer.text:
                outbound_queue(
                    provider=message.provider,
                    address=message.address,
                    recipient=message.sender,
                    text=answer.text,
                    in_reply_to=row,
                    report_id=answer.report_id,
                    reply_to_id=message.provider_message_id,
                )
    return Received(row.pk, False, answer.outcome, answer.text, answer.tracking_id)


def _insert(model: type[Model], obj: Model, conflict: str) -> tuple[str, list[Any]]:
    """INSERT of every column of `obj` (its field defaults included) with an ON CONFLICT clause."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) {conflict}", params


def _inbound_insert(message: Inbound, s_hash: str, now: datetime) -> InboundMessage | None:
    """The message's new row, or None when the provider's message id is already kept: one statement
    (ON CONFLICT DO NOTHING) where an INSERT that may fail would need a savepoint around it."""
    row = InboundMessage(
        provider=message.provider,
        provider_message_id=message.provider_message_id[:128],
        address=message.address[:64],
        sender_hash=s_hash,
        sender=encrypt(message.sender),
        text=message.text,
        media=message.media,
        raw=message.raw,
        received_at=message.received_at,
        created_at=now,
    )
    sql, params = _insert(InboundMessage, row, "ON CONFLICT (provider, provider_message_id) DO NOTHING RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    row.pk = found[0]
    row._state.adding = False
    return row


def _conversation_locked(provider: str, s_hash: str, now: datetime) -> Conversation:
    """The sender's conversation, created if new, its row locked until commit (one sender's messages
    are taken in order): one upsert where a locking read and a guarded insert took four statements."""
    fresh = Conversation(provider=provider, sender_hash=s_hash, updated_at=now)
    sql, params = _insert(
        Conversation,
        fresh,
        "ON CONFLICT (provider, sender_hash) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING *",
    )
    return next(iter(Conversation.objects.raw(sql, params)))


def _conversation_language(conversation: Conversation) -> str:
    return str((conversation.pending or {}).get("language", "id"))


def _reports_today(message: Inbound, s_hash: str) -> int:
    since = timezone.now() - timedelta(days=1)
    return InboundMessage.objects.filter(
        provider=message.provider, sender_hash=s_hash, outcome=Outcome.REPORT, created_at__gte=since
    ).count()


def _act(message: Inbound, command: Any, conversation: Conversation) -> Answer:
    door = door_here()
    pending = dict(conversation.pending or {})
    held = list(pending.get("media") or [])  # attachments sent before the report's text
    confirm_first = message.provider in settings.LAPOR_CHANNEL_CONFIRM_FIRST
    if len(message.text) > MAX_TEXT:
        return Answer(
            _("Pesan terlalu panjang (paling banyak %(n)s huruf). Kirim laporan yang lebih singkat.") % {"n": MAX_TEXT},
            Outcome.REFUSED,
        )
    if command.kind == "yes" and pending.get("kind") == "confirm":
        conversation.confirmed_at = timezone.now()
        return _file(message, door, str(pending.get("text", "")), {}, held)
    if command.kind == "report":
        media = _capped(held + message.media)
        if confirm_first and conversation.confirmed_at is None:
            return Answer(
                _("Kirim laporan ini ke LAPOR!? Balas YA untuk mengirim. Laporan palsu dapat dilaporkan ke polisi."),
                Outcome.CONFIRM,
                pending={"kind": "confirm", "text": command.body, "media": media},
            )
        return _file(message, door, command.body, pending, media)
    if command.kind == "check":
        return door.check(message, command.tracking_id, command.typed_id)
    if command.kind == "reply":
        return door.reply(message, command.tracking_id, command.typed_id, command.body)
    if command.kind == "other" and pending.get("kind") not in (None, "confirm"):
        notes = _attach(message, _capped(held + message.media))
        answered = door.other(message, command.body, pending)
        if answered is not None:
            return _with_media(_with_notes(answered, notes), held + message.media)
    if command.kind == "other" and message.media:
        # A photo or document before the words: kept for the report that follows.
        return Answer(
            _("Lampiran diterima. Kirim LAPOR <isi laporan> untuk melapor dengan lampiran ini."),
            Outcome.HELP,
            pending={**pending, "media": _capped(held + message.media)},
        )
    if command.kind == "other" and message.public and not pending.get("kind"):
        return Answer("", Outcome.IGNORED)  # a public mention that asks nothing: no answer
    return Answer(help_text(), Outcome.HELP, pending={} if pending.get("kind") == "confirm" else None)


def _capped(media: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return media[: settings.LAPOR_MAX_ATTACHMENTS]


def _attach(message: Inbound, media: list[dict[str, Any]]) -> list[str]:
    """Fetch the message's media through its provider and the intake's attachment checks
    (complaints.attachments); what fails is left out and told to the citizen."""
    if not media:
        return []
    fetch = import_string(settings.LAPOR_CHANNEL_MEDIA_FETCHERS[message.provider])
    notes: list[str] = []
    message.attachments = []
    for item in media:
        try:
            message.attachments.append(fetch(item))
        except ValidationError as exc:
            notes.append(exc.messages[0])
        except MediaError as exc:
            logger.warning("channel media %s of %s not fetched: %s", item.get("id"), message.provider, exc)
            notes.append(_("Lampiran tidak dapat diambil; kirim lagi nanti."))
    return notes


def _with_notes(answer: Answer, notes: list[str]) -> Answer:
    if not notes or answer.outcome != Outcome.REPORT:
        return answer
    return replace(answer, text=" ".join([answer.text, *notes]))


def _with_media(answer: Answer, media: list[dict[str, Any]]) -> Answer:
    """A question asked before filing (the hub's "where?") keeps the media for the filing."""
    if media and answer.outcome != Outcome.REPORT and answer.pending:
        return replace(answer, pending={**answer.pending, "media": _capped(media)})
    return answer


def _file(
    message: Inbound, door: Door, text: str, pending: dict[str, Any], media: list[dict[str, Any]] | None = None
) -> Answer:
    limit = settings.LAPOR_CHANNEL_REPORTS_PER_DAY
    if _reports_today(message, sender_hash(message.sender)) >= limit:
        return Answer(
            _("Batas %(n)s laporan per hari dari nomor ini sudah tercapai. Coba lagi besok, atau lapor lewat situs.")
            % {"n": limit},
            Outcome.LIMITED,
            pending={},
        )
    media = media or []
    notes = _attach(message, media) if len(text.strip()) >= MIN_TEXT else []
    try:
        with transaction.atomic():
            answer = door.report(message, text, pending)
    except ValidationError as exc:
        return Answer(exc.messages[0], Outcome.REFUSED, pending={})
    return _with_media(_with_notes(answer, notes), media)
