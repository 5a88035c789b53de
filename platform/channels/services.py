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
from copy import copy, deepcopy
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import JSONField, Model
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from channels.doors import MIN_TEXT, Answer, Door, Inbound, PemdaDoor, filed_text, help_text
from channels.identity import sender_hash
from channels.keywords import parse
from channels.models import Conversation, InboundMessage, OutboundMessage, Outcome
from channels.outbound import outbound_new, outbound_queued
from channels.providers.common import MAX_TEXT, MediaError
from complaints.intake import Also, passes_as_is
from deadlines.services import CHANNEL_CLOCK_SQL, CHANNEL_CLOCK_WITH_REPORT_SQL
from lapor.crypto import encrypt
from tenants.context import current_schema, current_tenant

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
    _without_nul(message)
    now = timezone.now()
    s_hash = sender_hash(message.sender)
    with transaction.atomic():
        inbound_id, conversation = _taken(message, s_hash, now)
        if inbound_id is None:
            first = InboundMessage.objects.get(
                provider=message.provider, provider_message_id=message.provider_message_id[:128]
            )
            logger.info(
                "channel message %s:%s delivered again; nothing new", message.provider, first.provider_message_id
            )
            return Received(first.pk, True, first.outcome, tracking_id=first.tracking_id)
        loaded = {name: getattr(conversation, name) for name in _CONVERSATION_STATE}
        loaded["pending"] = deepcopy(loaded["pending"])  # the one mutable value
        command = parse(message.text)
        with translation.override(
            command.language if command.kind != "other" else _conversation_language(conversation)
        ):
            answer = _act(message, command, conversation, inbound_id)
            if answer.settled:  # written with the report, in the intake's statement
                return Received(inbound_id, False, answer.outcome, answer.text, answer.tracking_id)
            if answer.outcome == Outcome.REPORT:  # filed here, or at the hub once the place is known
                _window(conversation).window_count += 1
            if answer.pending is not None:
                conversation.pending = {**answer.pending, "at": now.isoformat()} if answer.pending else {}
            changed = [name for name, value in loaded.items() if getattr(conversation, name) != value]
            _settle(message, inbound_id, answer, conversation, changed)
    return Received(inbound_id, False, answer.outcome, answer.text, answer.tracking_id)


def _without_nul(message: Inbound) -> None:
    """NUL characters dropped from what is kept: PostgreSQL stores none in text or jsonb, and a
    gateway that passes one on (a mis-encoded SMS, a crafted post) still gets its message taken."""
    message.provider_message_id = message.provider_message_id.replace("\x00", "")
    message.sender = message.sender.replace("\x00", "")
    message.text = message.text.replace("\x00", "")
    message.media = _cleaned(message.media)
    message.raw = _cleaned(message.raw)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


# What acting on a message may change in the sender's conversation (updated_at is written when
# the row is locked).
_CONVERSATION_STATE = ("pending", "confirmed_at", "window_start", "window_count")


def _insert(model: type[Model], obj: Model, conflict: str) -> tuple[str, list[Any]]:
    """INSERT of every column of `obj` (its field defaults included) with an ON CONFLICT clause."""
    head, fields = _insert_plan(model)
    db = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for every field
    params = [getattr(obj, attname) if field is None else field.get_db_prep_save(getattr(obj, attname), db)
              for attname, field in fields]  # fmt: skip
    return f"{head} {conflict}", params


@lru_cache(maxsize=8)
def _insert_plan(model: type[Model]) -> tuple[str, list[tuple[str, Any]]]:
    """The INSERT's head for `model`, and each column's attname with its field where the value
    needs Django's preparation (None where psycopg2 takes it as the model holds it)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    head = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    return head, [(f.attname, None if passes_as_is(f) else f) for f in fields]


def _taken(message: Inbound, s_hash: str, now: datetime) -> tuple[int | None, Conversation]:
    """One statement: the message kept unless (provider, provider message id) is already there
    (then no id: ON CONFLICT DO NOTHING, where an INSERT that may fail would need a savepoint),
    and the sender's conversation created or found, its row locked until commit (one sender's
    messages are taken in order)."""
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
    inbound_sql, inbound_params = _insert(
        InboundMessage, row, "ON CONFLICT (provider, provider_message_id) DO NOTHING RETURNING id"
    )
    fresh = Conversation(provider=message.provider, sender_hash=s_hash, updated_at=now)
    conversation_sql, conversation_params = _insert(
        Conversation,
        fresh,
        "ON CONFLICT (provider, sender_hash) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING *",
    )
    names = _conversation_columns()
    sql = f"WITH m AS ({inbound_sql}), c AS ({conversation_sql}) SELECT (SELECT id FROM m), {names} FROM c"
    with connection.cursor() as cursor:
        cursor.execute(sql, inbound_params + conversation_params)
        inbound_id, *values = cursor.fetchone()
    return inbound_id, _conversation_from_row(values)


@lru_cache(maxsize=1)
def _conversation_columns() -> str:
    return ", ".join(f"c.{connection.ops.quote_name(str(f.column))}" for f in Conversation._meta.concrete_fields)


def _conversation_from_row(values: list[Any]) -> Conversation:
    """The row as Django loads it (from_db), its JSON column decoded as JSONField decodes it."""
    fields = Conversation._meta.concrete_fields
    db = connections[DEFAULT_DB_ALIAS]
    for i, f in enumerate(fields):
        if isinstance(f, JSONField):
            values[i] = f.from_db_value(values[i], None, db)  # type: ignore[arg-type]
    return Conversation.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values)


def _settle(message: Inbound, inbound_id: int, answer: Answer, conversation: Conversation, changed: list[str]) -> None:
    """One statement: the message's outcome, what changed in the conversation, and the answer
    queued for sending (channels.outbound) with the channel sweep's clock."""
    ctes, params, selects = _settle_parts(
        message, inbound_id, answer.outcome, answer.tracking_id, answer.text, conversation, changed,
        report_id=answer.report_id,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} SELECT {', '.join(selects) or 'NULL'}", params)
        row = cursor.fetchone()
    if selects and row[0] is not None:
        outbound_queued(outbound_id=row[0])


def _settle_parts(
    message: Inbound,
    inbound_id: int,
    outcome: str,
    tracking_id: str,
    text: str,
    conversation: Conversation,
    changed: list[str] | tuple[str, ...],
    *,
    report_id: int | None = None,
    with_report: bool = False,
) -> tuple[tuple[str, ...], list[Any], tuple[str, ...]]:
    """_settle's CTEs, their parameters and the select of the reply's id. `with_report`: written
    by the intake's own statement (complaints.intake.Also), the report's id taken from its row `r`."""
    report_sql, from_r = ("r.id", " FROM r") if with_report else ("%s", "")
    ctes = [
        f"i AS (UPDATE channels_inboundmessage SET outcome = %s, report_id = {report_sql}, tracking_id = %s{from_r}"
        " WHERE channels_inboundmessage.id = %s)"
    ]
    params: list[Any] = [outcome, *([] if with_report else [report_id]), tracking_id, inbound_id]
    if changed:
        fields: list[Any] = [Conversation._meta.get_field(name) for name in changed]
        sets = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in fields)
        ctes.append(f"v AS (UPDATE channels_conversation SET {sets}{from_r} WHERE channels_conversation.id = %s)")
        params += [f.get_db_prep_save(getattr(conversation, f.attname), connection) for f in fields]
        params.append(conversation.pk)
    if not text:
        return tuple(ctes), params, ()
    outbound = outbound_new(
        provider=message.provider,
        address=message.address,
        recipient=message.sender,
        text=text,
        in_reply_to_id=inbound_id,
        report_id=report_id,
        reply_to_id=message.provider_message_id,
    )
    head, plan = _insert_plan(OutboundMessage)
    columns = head[: head.index(" VALUES ")]
    values = []
    for attname, field in plan:
        if attname == "report_id" and with_report:
            values.append("r.id")
            continue
        values.append("%s")
        value = getattr(outbound, attname)
        params.append(value if field is None else field.get_db_prep_save(value, connection))
    ctes.append(f"o AS ({columns} SELECT {', '.join(values)}{from_r} RETURNING id)")
    ctes.append(f"k AS ({CHANNEL_CLOCK_WITH_REPORT_SQL if with_report else CHANNEL_CLOCK_SQL})")
    params += [outbound.next_attempt_at, outbound.next_attempt_at]
    return tuple(ctes), params, ("(SELECT id FROM o)",)


class _Fold:
    """The message's outcome, the conversation and the reply written by the intake's own
    statement (complaints.intake.Also) when the message files a report in this Pemda: the
    Pemda's audit-chain lock the intake takes is then held for the commit alone, as for a report
    through the JSON API, instead of across one more statement and the Python around it."""

    def __init__(self, message: Inbound, inbound_id: int, conversation: Conversation, notes: list[str]) -> None:
        self.message, self.inbound_id, self.conversation, self.notes = message, inbound_id, conversation, notes
        self.schema = current_schema()
        self.also: Also | None = None
        self.text = ""

    def __call__(self, report: Any) -> Also | None:
        if current_schema() != self.schema:  # filed elsewhere (the hub's door): written the usual way
            return None
        text = filed_text(report.tracking_id, pemda_name=current_tenant().name, public=self.message.public)
        self.text = " ".join([text, *self.notes])
        state = copy(self.conversation)  # every value replaced below, none changed in place
        _window(state).window_count += 1
        state.pending = {}
        ctes, params, selects = _settle_parts(
            self.message, self.inbound_id, Outcome.REPORT, report.tracking_id, self.text, state,
            _CONVERSATION_STATE, with_report=True,
        )  # fmt: skip
        link = _filed_link()
        if link is not None and not self.message.public:  # a phone number (not an X account)
            sql, link_params = link(
                phone_hash=sender_hash(self.message.sender), tenant_id=current_tenant().pk,
                tracking_id=report.tracking_id,
            )  # fmt: skip
            ctes, params = (*ctes, f"l AS ({sql})"), params + link_params
        self.also = Also(ctes, params, selects)
        self.state = state
        return self.also

    def settled(self, answer: Answer) -> Answer:
        """The door's answer, marked as written, once the intake wrote it (else as it is)."""
        if self.also is None or answer.outcome != Outcome.REPORT or not self.also.values:
            return answer
        for name in _CONVERSATION_STATE:
            setattr(self.conversation, name, getattr(self.state, name))
        if self.also.values[0] is not None:
            outbound_queued(outbound_id=self.also.values[0])
        return replace(answer, text=self.text, settled=True)


@lru_cache(maxsize=1)
def _filed_link_at(path: str) -> Any:
    return import_string(path) if path else None


def _filed_link() -> Any:
    return _filed_link_at(settings.LAPOR_CHANNEL_FILED_LINK)


def _conversation_language(conversation: Conversation) -> str:
    return str((conversation.pending or {}).get("language", "id"))


def _act(message: Inbound, command: Any, conversation: Conversation, inbound_id: int) -> Answer:
    door = door_here()
    pending = _current(conversation.pending)
    held = list(pending.get("media") or [])  # attachments sent before the report's text
    confirm_first = message.provider in settings.LAPOR_CHANNEL_CONFIRM_FIRST
    if len(message.text) > MAX_TEXT:
        return Answer(
            _("Pesan terlalu panjang (paling banyak %(n)s huruf). Kirim laporan yang lebih singkat.") % {"n": MAX_TEXT},
            Outcome.REFUSED,
        )
    if command.kind == "yes" and pending.get("kind") == "confirm":
        conversation.confirmed_at = timezone.now()
        return _file(message, door, conversation, inbound_id, str(pending.get("text", "")), {}, held)
    if command.kind == "report":
        media = _capped(held + message.media)
        if confirm_first and conversation.confirmed_at is None:
            return Answer(
                _("Kirim laporan ini ke LAPOR!? Balas YA untuk mengirim. Laporan palsu dapat dilaporkan ke polisi."),
                Outcome.CONFIRM,
                pending={"kind": "confirm", "text": command.body, "media": media},
            )
        return _file(message, door, conversation, inbound_id, command.body, pending, media)
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


def _current(pending: dict[str, Any] | None) -> dict[str, Any]:
    """What the sender's conversation waits for, unless it was asked too long ago to act on."""
    asked = (pending or {}).get("at")
    if asked is None:
        return dict(pending or {})
    lapse = timedelta(hours=settings.LAPOR_CHANNEL_PENDING_HOURS)
    return dict(pending or {}) if datetime.fromisoformat(asked) > timezone.now() - lapse else {}


def _capped(media: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return media[: settings.LAPOR_MAX_ATTACHMENTS]


def _attach(message: Inbound, media: list[dict[str, Any]]) -> list[str]:
    """Fetch the message's media through its provider and the intake's attachment checks
    (complaints.attachments); what fails is left out and told to the citizen."""
    if not media:
        return []
    notes: list[str] = []
    fetcher = settings.LAPOR_CHANNEL_MEDIA_FETCHERS.get(message.provider)
    if fetcher is None:
        logger.warning("channel media of %s has no fetcher (LAPOR_CHANNEL_MEDIA_FETCHERS)", message.provider)
        return [_("Lampiran tidak dapat diambil; kirim lagi nanti.")]
    fetch = import_string(fetcher)
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
    message: Inbound,
    door: Door,
    conversation: Conversation,
    inbound_id: int,
    text: str,
    pending: dict[str, Any],
    media: list[dict[str, Any]] | None = None,
) -> Answer:
    limit = settings.LAPOR_CHANNEL_REPORTS_PER_DAY
    if _window(conversation).window_count >= limit:
        return Answer(
            _("Batas %(n)s laporan per hari dari nomor ini sudah tercapai. Coba lagi besok, atau lapor lewat situs.")
            % {"n": limit},
            Outcome.LIMITED,
            pending={},
        )
    media = media or []
    notes = _attach(message, media) if len(text.strip()) >= MIN_TEXT else []
    fold = _Fold(message, inbound_id, conversation, notes) if isinstance(door, PemdaDoor) else None
    message.intake_also = fold
    try:
        # No savepoint: a door checks what it is given before it writes (the intake's one
        # statement is the only write), so a refusal leaves nothing to undo.
        answer = door.report(message, text, pending)
    except ValidationError as exc:
        return Answer(exc.messages[0], Outcome.REFUSED, pending={})
    finally:
        message.intake_also = None
    if fold is not None:
        answer = fold.settled(answer)
        if answer.settled:
            return answer
    return _with_media(_with_notes(answer, notes), media)


def _window(conversation: Conversation) -> Conversation:
    """The conversation with its count of the number's reports of the day, a window opened by the
    first report after a day. Kept on the conversation's row, locked while a message is taken, so
    the limit holds exactly however many messages one number sends at once."""
    now = timezone.now()
    if conversation.window_start is None or conversation.window_start <= now - timedelta(days=1):
        conversation.window_start, conversation.window_count = now, 0
    return conversation
