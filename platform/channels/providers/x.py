"""X (Twitter): mentions of the platform's account, by the Account Activity webhook or by polling.

Webhook `/channels/x/`: X checks it with a GET carrying `crc_token`, answered with
`{"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))}`, and POSTs each
activity signed the same way over the raw body in `x-twitter-webhooks-signature`. The events taken
are `tweet_create_events` (v1.1 post objects) for the account `for_user_id`. Where no webhook is
subscribed, a Celery beat task reads `GET /2/users/:id/mentions` after the last `since_id` it
kept (channels.models.PollCursor). Both feed `mention_receive`, so a post taken by one is never
taken again by the other (the layer keeps one message per provider id).

A mention with `#lapor` files a report; `CEK <id>` / `BALAS <id> <teks>` work as by SMS for the
account's own reports; any other mention is left unanswered, and the account's own posts and
reposts are never taken (no loops). A post is public: its report is never anonim or rahasia, and
the reply says so and offers a private channel. Replies are posts in reply to the citizen's
(`POST /2/tweets` with `reply.in_reply_to_tweet_id`), signed with OAuth 1.0a user context.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context
from oauthlib.oauth1 import Client as OAuth1Client

from channels.doors import Inbound
from channels.models import PollCursor
from channels.outbound import SendError
from channels.providers.common import MAX_BODY, Refused, refuse, secret_matches, tenant_for
from channels.services import inbound_receive
from tenants.models import ChannelAddress, Pemda

logger = logging.getLogger(__name__)

PROVIDER = "x"
MAX_EVENTS = 100
MAX_POST = 280
_HASHTAG = re.compile(r"(?<![\w#])#lapor\b", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^(\s*@\w{1,15})+\s*")
_ID = re.compile(r"^\d{1,20}$")


def _config() -> dict[str, Any]:
    return dict(settings.LAPOR_X)


def x_signature(payload: bytes, consumer_secret: str) -> str:
    """What X puts in x-twitter-webhooks-signature (and answers a CRC with)."""
    digest = hmac.new(consumer_secret.encode(), payload, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Mention:
    """A post that mentions the account, in one shape whichever API it came from."""

    id: str
    text: str
    author_id: str
    author_name: str
    created_at: datetime
    mentions_account: bool
    repost: bool


class Malformed(Exception):
    pass


def _id(value: Any, name: str) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _ID.match(text):
        raise Malformed(name)
    return text


def mention_of_v1(raw: Any, account_id: str) -> Mention:
    """A v1.1 post object of the Account Activity API's tweet_create_events."""
    if not isinstance(raw, dict) or not isinstance(raw.get("user"), dict):
        raise Malformed("tweet")
    extended = raw.get("extended_tweet")
    text = extended.get("full_text") if isinstance(extended, dict) else raw.get("text")
    if not isinstance(text, str) or len(text) > 4000:
        raise Malformed("tweet.text")
    entities = raw.get("entities")
    listed = entities.get("user_mentions") if isinstance(entities, dict) else None
    mentioned = {str(m.get("id_str")) for m in listed if isinstance(m, dict)} if isinstance(listed, list) else set()
    try:
        created = datetime.strptime(str(raw.get("created_at", "")), "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        created = timezone.now()
    return Mention(
        id=_id(raw.get("id_str") or raw.get("id"), "tweet.id_str"),
        text=text,
        author_id=_id(raw["user"].get("id_str") or raw["user"].get("id"), "tweet.user.id_str"),
        author_name=str(raw["user"].get("screen_name", ""))[:50],
        created_at=created,
        mentions_account=account_id in mentioned or raw.get("in_reply_to_user_id_str") == account_id,
        repost="retweeted_status" in raw,
    )


def mention_of_v2(raw: Any, users: dict[str, str]) -> Mention:
    """A post of API v2's GET /2/users/:id/mentions (every one mentions the account)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise Malformed("data[]")
    try:
        created = datetime.fromisoformat(str(raw.get("created_at", "")).replace("Z", "+00:00"))
    except ValueError:
        created = timezone.now()
    author = _id(raw.get("author_id"), "data[].author_id")
    referenced = raw.get("referenced_tweets")
    references: list[Any] = referenced if isinstance(referenced, list) else []
    return Mention(
        id=_id(raw.get("id"), "data[].id"),
        text=raw["text"],
        author_id=author,
        author_name=users.get(author, ""),
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        mentions_account=True,
        repost=any(isinstance(r, dict) and r.get("type") == "retweeted" for r in references),
    )


def command_text(text: str) -> str:
    """The keywords in a post: `#lapor` files (the post without the hashtag), `CEK`/`BALAS` as
    typed after the leading mentions (anything else is left unanswered by the layer)."""
    bare = _LEADING_MENTIONS.sub("", text).strip()
    if _HASHTAG.search(text):
        body = " ".join(_HASHTAG.sub(" ", bare).split())
        return f"LAPOR {body}"
    return bare


def mention_receive(mention: Mention, account_id: str, tenant: Pemda) -> str:
    """Take one mention in `tenant` (the Pemda the account serves, or the hub); returns the outcome."""
    if mention.author_id == account_id or mention.repost or not mention.mentions_account:
        return "ignored"  # the platform's own posts (its replies) and reposts: no loops
    text = command_text(mention.text)
    message = Inbound(
        provider=PROVIDER,
        provider_message_id=mention.id,
        address=account_id,
        sender=mention.author_id,
        text=text,
        received_at=mention.created_at,
        channel="twitter",
        raw={"id": mention.id},  # the author is sealed as the sender, never kept raw
        public=True,
    )
    with tenant_context(tenant):
        return inbound_receive(message).outcome


def _tenant(account_id: str, request: HttpRequest | None = None) -> Pemda:
    if request is not None:
        return tenant_for(request, PROVIDER, account_id)
    mapped = ChannelAddress.objects.select_related("tenant").filter(kind=PROVIDER, address=account_id).first()
    return mapped.tenant if mapped is not None else Pemda.objects.get(schema_name=get_public_schema_name())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    secret = str(_config().get("consumer_secret", ""))
    if request.method == "GET":
        token = request.GET.get("crc_token", "")
        if not token or len(token) > 1024:
            return refuse(request, PROVIDER, 400, "no crc_token", _("crc_token tidak ada."))
        if not secret:
            return refuse(request, PROVIDER, 403, "no consumer secret", _("Akun X belum disiapkan."))
        return JsonResponse({"response_token": x_signature(token.encode(), secret)})
    if len(request.body) > MAX_BODY:
        return refuse(request, PROVIDER, 400, "oversized", _("Kiriman terlalu besar."))
    given = request.headers.get("x-twitter-webhooks-signature", "")
    if not secret or not secret_matches(given, x_signature(request.body, secret)):
        return refuse(request, PROVIDER, 401, "bad signature", _("Tanda tangan X salah."))
    try:
        payload = json.loads(request.body)
        if not isinstance(payload, dict):
            raise Malformed("payload")
        account_id = _id(payload.get("for_user_id"), "for_user_id")
        events = payload.get("tweet_create_events") or []
        if not isinstance(events, list) or len(events) > MAX_EVENTS:
            raise Malformed("tweet_create_events")
        mentions = [mention_of_v1(event, account_id) for event in events]
        tenant = _tenant(account_id, request) if mentions else None
    except (ValueError, Malformed) as exc:
        return refuse(request, PROVIDER, 400, f"malformed: {exc}", _("Kiriman X tidak dapat dibaca."))
    except Refused as exc:
        return refuse(request, PROVIDER, exc.status, "account not served here", str(exc))
    for mention in mentions:
        assert tenant is not None
        mention_receive(mention, account_id, tenant)
    return JsonResponse({"ok": True})


def _call(url: str, *, method: str = "GET", body: dict[str, Any] | None = None, user: bool = False) -> Any:
    """One X API v2 call: app-only bearer to read, OAuth 1.0a user context to post."""
    config = _config()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if user:
        client = OAuth1Client(
            str(config.get("consumer_key", "")),
            client_secret=str(config.get("consumer_secret", "")),
            resource_owner_key=str(config.get("access_token", "")),
            resource_owner_secret=str(config.get("access_token_secret", "")),
        )
        url, headers, _body = client.sign(url, http_method=method, headers=headers)
    else:
        headers["Authorization"] = f"Bearer {config.get('bearer_token', '')}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=float(config.get("timeout", 10) or 10)) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def x_send(*, address: str, recipient: str, text: str, reply_to: str, callback_id: str) -> list[str]:
    """A reply to the citizen's post (never a post of its own)."""
    config = _config()
    if not all(config.get(k) for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")):
        raise SendError("LAPOR_X_CONSUMER_* / LAPOR_X_ACCESS_TOKEN* are not set", permanent=True)
    in_reply_to = reply_to.removeprefix("hub:")
    if not _ID.match(in_reply_to):
        raise SendError("an X message is only ever a reply, and this one answers no post", permanent=True)
    text = text if len(text) <= MAX_POST else text[: MAX_POST - 1] + "…"
    url = f"{str(config.get('api_base', '')).rstrip('/')}/2/tweets"
    try:
        answer = _call(url, method="POST", body={"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to}},
                       user=True)  # fmt: skip
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:200]
        raise SendError(f"x {exc.code}: {detail}", permanent=400 <= exc.code < 500 and exc.code != 429) from exc
    except (OSError, ValueError) as exc:
        raise SendError(f"x unreachable: {exc}") from exc
    data = answer.get("data") if isinstance(answer, dict) else None
    return [str(data.get("id", ""))] if isinstance(data, dict) else []


def x_mentions_poll(*, max_pages: int = 5) -> int:
    """Read the account's new mentions since the kept since_id and take each (oldest first);
    returns how many were read. Idempotent: a post read twice is taken once."""
    config = _config()
    account_id = str(config.get("user_id", ""))
    if not config.get("poll") or not config.get("bearer_token") or not _ID.match(account_id):
        return 0
    with schema_context(get_public_schema_name()):  # the cursor is the hub's, whoever calls
        cursor, _created = PollCursor.objects.get_or_create(
            provider=PROVIDER, account=account_id, defaults={"updated_at": timezone.now()}
        )
    query: dict[str, str] = {
        "max_results": "100",
        "expansions": "author_id",
        "tweet.fields": "created_at,author_id,referenced_tweets",
        "user.fields": "username",
    }
    if cursor.since_id:
        query["since_id"] = cursor.since_id
    base = f"{str(config.get('api_base', '')).rstrip('/')}/2/users/{account_id}/mentions"
    mentions: list[Mention] = []
    newest, complete = cursor.since_id, True
    for _page in range(max_pages):
        try:
            page = _call(f"{base}?{urllib.parse.urlencode(query)}")
            users = {
                str(u.get("id")): str(u.get("username", ""))
                for u in (page.get("includes") or {}).get("users") or []
                if isinstance(u, dict)
            }
            mentions += [mention_of_v2(raw, users) for raw in page.get("data") or []]
        except (OSError, ValueError, AttributeError, Malformed) as exc:
            logger.warning("x mentions of %s not read: %s", account_id, exc)
            complete = False  # older pages unread: keep the cursor, read them again next time
            break
        meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
        if meta.get("newest_id") and (not newest or int(meta["newest_id"]) > int(newest)):
            newest = str(meta["newest_id"])
        if not meta.get("next_token"):
            break
        query["pagination_token"] = str(meta["next_token"])
    if mentions:
        tenant = _tenant(account_id)
        for mention in sorted(mentions, key=lambda m: int(m.id)):
            mention_receive(mention, account_id, tenant)
    if complete and newest != cursor.since_id:
        with schema_context(get_public_schema_name()):
            PollCursor.objects.filter(pk=cursor.pk).update(since_id=newest, updated_at=timezone.now())
    return len(mentions)
