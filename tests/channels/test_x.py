"""X (Twitter) through its own wire formats: the CRC challenge, Account Activity events signed
with x-twitter-webhooks-signature as X signs them, the mentions timeline polled from a local
server playing API v2, and replies posted to it with an OAuth 1.0a signature it verifies."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context, tenant_context
from oauthlib.common import Request
from oauthlib.oauth1.rfc5849 import signature

from channels.models import InboundMessage, OutboundMessage, OutboundStatus, PollCursor
from channels.outbound import outbound_send
from channels.providers.x import x_mentions_poll, x_signature
from complaints.audit import Actor
from complaints.models import FollowUp, Notification, Privacy, Report
from complaints.notifications import notification_deliver
from complaints.services import report_defer
from lapor.crypto import decrypt
from tenants.models import ChannelAddress, Pemda
from tests.channels.apiserver import ApiServer, Call, as_json, running_api

pytestmark = pytest.mark.django_db

CONSUMER_KEY, CONSUMER_SECRET = "kunci-konsumen-uji", "rahasia-konsumen-uji"
ACCESS_TOKEN, ACCESS_SECRET = "1600000000000000000-tokenuji", "rahasia-token-uji"
BEARER = "AAAA-bearer-uji"
ACCOUNT = "1600000000000000000"  # the Pemda's account, @LaporJakarta
CITIZEN, OTHER = "2244994945", "783214"
_ids = count(1_800_000_000_000_000_001)
MENTIONS: list[dict[str, Any]] = []  # what the mentions timeline holds, newest last
API: dict[str, str] = {}


def oauth_valid(call: Call) -> bool:
    """X's check of an OAuth 1.0a user-context request (HMAC-SHA1, RFC 5849)."""
    header = call.headers.get("Authorization", "")
    if not header.startswith("OAuth "):
        return False
    params = signature.collect_parameters(headers={"Authorization": header}, exclude_oauth_signature=False)
    given = dict(params)
    request = Request(API["url"] + call.path, call.method, None, {"Authorization": header})
    request.params = [(k, v) for k, v in params if k != "oauth_signature"]
    request.signature = given.get("oauth_signature")
    return (given.get("oauth_consumer_key"), given.get("oauth_token")) == (CONSUMER_KEY, ACCESS_TOKEN) and (
        signature.verify_hmac_sha1(request, CONSUMER_SECRET, ACCESS_SECRET)
    )


def x_api(call: Call) -> tuple[int, str, bytes]:
    if call.method == "POST" and call.path == "/2/tweets":
        if not oauth_valid(call):
            return as_json(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
        posted = call.json()
        return as_json(201, {"data": {"id": str(next(_ids)), "text": posted["text"]}})
    if call.method == "GET" and call.path == f"/2/users/{ACCOUNT}/mentions":
        if call.headers.get("Authorization") != f"Bearer {BEARER}":
            return as_json(401, {"title": "Unauthorized", "status": 401})
        since = int(call.query.get("since_id", ["0"])[0])
        data = [m for m in reversed(MENTIONS) if int(m["id"]) > since]  # newest first, as X gives them
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
        users = [{"id": a, "name": "Warga", "username": f"warga{a}"} for a in {m["author_id"] for m in data}]
        return as_json(200, {"data": data, "includes": {"users": users}, "meta": meta} if data else {"meta": meta})
    return as_json(404, {"title": "Not Found Error", "status": 404})


@pytest.fixture
def x(jakarta: Pemda, hub: Pemda, settings: Any) -> Iterator[ApiServer]:
    MENTIONS.clear()
    with running_api(x_api) as api:
        API["url"] = api.base_url
        ChannelAddress.objects.create(kind="x", address=ACCOUNT, tenant=jakarta)
        settings.LAPOR_X = {"api_base": api.base_url, "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET,
                            "access_token": ACCESS_TOKEN, "access_token_secret": ACCESS_SECRET,
                            "bearer_token": BEARER, "user_id": ACCOUNT, "poll": True}  # fmt: skip
        yield api


def tweet(text: str, *, author: str = CITIZEN, tweet_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A v1.1 post object as tweet_create_events carries it."""
    mentions = [{"screen_name": "LaporJakarta", "name": "LAPOR! Jakarta", "id": int(ACCOUNT), "id_str": ACCOUNT,
                 "indices": [0, 13]}]  # fmt: skip
    tid = tweet_id or str(next(_ids))
    return {"created_at": "Fri Dec 04 22:10:00 +0000 2026", "id": int(tid), "id_str": tid, "text": text,
            "truncated": False, "in_reply_to_status_id_str": None,
            "user": {"id": int(author), "id_str": author, "screen_name": f"warga{author}", "name": "Warga"},
            "entities": {"hashtags": [], "user_mentions": mentions, "urls": []}, **extra}  # fmt: skip


def deliver(*tweets: dict[str, Any], secret: str = CONSUMER_SECRET, raw: bytes | None = None,
            account: str = ACCOUNT, host: str = "jakarta.localhost") -> Any:  # fmt: skip
    """An Account Activity delivery, signed as X signs it."""
    events = {"for_user_id": account, "tweet_create_events": list(tweets)}
    body = raw if raw is not None else json.dumps(events).encode()
    client = Client(HTTP_HOST=host)
    signed = x_signature(body, secret)
    return client.post("/channels/x/", data=body, content_type="application/json",
                       HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=signed)  # fmt: skip


def replies(pemda: Pemda) -> list[OutboundMessage]:
    with schema_context(pemda.schema_name):
        return list(OutboundMessage.objects.order_by("pk"))


def send_all(pemda: Pemda) -> None:
    with tenant_context(pemda):
        for pk in OutboundMessage.objects.filter(status=OutboundStatus.QUEUED).values_list("pk", flat=True):
            assert outbound_send(outbound_id=pk) == "sent"


def test_the_crc_challenge(x: ApiServer) -> None:
    client = Client(HTTP_HOST="jakarta.localhost")
    answer = client.get("/channels/x/", {"crc_token": "9b4507b3-2fa1-4e6b-bc3c-b5b1d2b5a0e4"})
    assert answer.status_code == 200
    assert answer.json() == {"response_token": x_signature(b"9b4507b3-2fa1-4e6b-bc3c-b5b1d2b5a0e4", CONSUMER_SECRET)}
    assert answer.json()["response_token"].startswith("sha256=")
    assert client.get("/channels/x/").status_code == 400


def test_a_mention_with_hashtag_lapor_files_a_public_report_and_the_reply_carries_its_tracking_id(
    x: ApiServer, jakarta: Pemda
) -> None:
    post = tweet("@LaporJakarta Halte TransJakarta Dukuh Atas atapnya bocor parah #lapor")
    for _ in range(2):  # X redelivers: nothing new
        assert deliver(post).status_code == 200
    with tenant_context(jakarta):
        (report,) = Report.objects.all()
        assert (report.channel, report.privacy) == ("twitter", Privacy.PUBLIC)
        assert report.text == "Halte TransJakarta Dukuh Atas atapnya bocor parah"
        assert InboundMessage.objects.count() == 1
    (reply,) = replies(jakarta)
    assert report.tracking_id in reply.text and "tidak bisa anonim atau rahasia" in reply.text
    assert "WhatsApp" in reply.text and len(reply.text) <= 280

    send_all(jakarta)
    (posted,) = x.made("POST", "/2/tweets")
    assert posted.json() == {"text": reply.text, "reply": {"in_reply_to_tweet_id": post["id_str"]}}
    with tenant_context(jakarta):
        reply.refresh_from_db()
        assert reply.status == OutboundStatus.SENT and reply.provider_ids[0].isdigit()


def test_the_accounts_own_posts_reposts_and_idle_mentions_make_nothing(x: ApiServer, jakarta: Pemda) -> None:
    own = tweet("@warga2244994945 Laporan diterima #lapor", author=ACCOUNT)
    repost = tweet("RT @LaporJakarta: #lapor", retweeted_status={"id_str": "1"})
    idle = tweet("@LaporJakarta selamat pagi, semangat kerjanya")
    assert deliver(own, repost, idle).status_code == 200
    with tenant_context(jakarta):
        assert not Report.objects.exists() and not OutboundMessage.objects.exists()
        assert list(InboundMessage.objects.values_list("outcome", flat=True)) == ["ignored"]


def test_check_and_reply_by_mention_act_only_on_the_accounts_own_reports(x: ApiServer, jakarta: Pemda) -> None:
    deliver(tweet("@LaporJakarta #lapor Lampu lalu lintas Simpang Harmoni mati sejak pagi"))
    with tenant_context(jakarta):
        report = Report.objects.get()
    deliver(tweet(f"@LaporJakarta CEK {report.tracking_id}"))
    assert "Menunggu verifikasi" in replies(jakarta)[-1].text
    deliver(tweet(f"@LaporJakarta BALAS {report.tracking_id} Sekarang sudah menyala lagi"))
    deliver(tweet(f"@LaporJakarta BALAS {report.tracking_id} ini laporan saya", author=OTHER))
    assert "tidak ditemukan" in replies(jakarta)[-1].text
    with tenant_context(jakarta):
        assert list(FollowUp.objects.filter(report=report).values_list("text", flat=True)) == [
            "Sekarang sudah menyala lagi"
        ]

    # The Pemda's news goes back on X, in reply to the citizen's post.
    with tenant_context(jakarta):
        report_defer(report=report, actor=Actor(user_id=None, label="verifikator"), question="Arah mana yang mati?")
        (notification,) = Notification.objects.filter(report=report, to_reporter=True)
        assert notification_deliver(notification_id=notification.pk) == "channel"
        news = OutboundMessage.objects.get(notification_id=notification.pk)
        assert news.provider == "x" and decrypt(news.recipient) == CITIZEN and len(news.text) <= 280
        first = InboundMessage.objects.filter(report_id=report.pk).earliest("pk").provider_message_id
    send_all(jakarta)
    posted = x.made("POST", "/2/tweets")[-1].json()
    assert posted["reply"]["in_reply_to_tweet_id"] == first and "Arah mana yang mati?" in posted["text"]


def test_a_bad_signature_or_a_malformed_payload_is_refused_and_nothing_is_kept(
    x: ApiServer, jakarta: Pemda, caplog: pytest.LogCaptureFixture
) -> None:
    post = tweet("@LaporJakarta #lapor Trotoar di Jalan Sabang dipakai berjualan")
    with caplog.at_level(logging.WARNING, logger="channels"):
        assert deliver(post, secret="tebakan").status_code == 401
    assert "x webhook refused (401)" in caplog.text
    body = json.dumps({"for_user_id": ACCOUNT, "tweet_create_events": [post]})
    unsigned = Client(HTTP_HOST="jakarta.localhost").post("/channels/x/", data=body, content_type="application/json")
    assert unsigned.status_code == 401
    assert deliver(raw=b"{oops").status_code == 400
    assert (
        deliver(raw=json.dumps({"for_user_id": "bukan-angka", "tweet_create_events": [post]}).encode()).status_code
        == 400
    )
    assert deliver({**post, "user": "tidak"}).status_code == 400
    assert deliver(raw=b'{"for_user_id": "1", "x": "' + b"a" * 300_000 + b'"}').status_code == 400
    with tenant_context(jakarta):
        assert not InboundMessage.objects.exists() and not Report.objects.exists()

    # A NUL character in a post is dropped (PostgreSQL stores none), not a server error.
    assert deliver(tweet("@LaporJakarta Halte\u0000 di Jalan Sabang roboh #lapor")).status_code == 200
    with tenant_context(jakarta):
        assert Report.objects.get().text == "Halte di Jalan Sabang roboh"


def test_polling_the_mentions_timeline_keeps_its_since_id_and_meets_the_webhook_without_duplicates(
    x: ApiServer, jakarta: Pemda
) -> None:
    def mention(text: str, author: str = CITIZEN) -> dict[str, Any]:
        item = {"id": str(next(_ids)), "text": text, "author_id": author, "created_at": "2026-12-04T22:10:00.000Z",
                "edit_history_tweet_ids": []}  # fmt: skip
        item["edit_history_tweet_ids"] = [item["id"]]
        MENTIONS.append(item)
        return item

    first = mention("@LaporJakarta #lapor Kabel fiber optik menjuntai rendah di Jalan Wahid Hasyim")
    mention("@warga2244994945 terima kasih, sudah kami teruskan", author=ACCOUNT)  # our own: never taken
    assert x_mentions_poll() == 2
    with tenant_context(jakarta):
        (report,) = Report.objects.all()
        assert report.channel == "twitter" and "Wahid Hasyim" in report.text
    assert PollCursor.objects.get(provider="x", account=ACCOUNT).since_id == MENTIONS[-1]["id"]

    # The next poll asks only for what is newer; a post the webhook already took is not taken again.
    later = mention("@LaporJakarta #lapor Pohon tumbang di Taman Suropati menutup jalur sepeda")
    deliver(tweet(later["text"], tweet_id=later["id"]))
    assert x_mentions_poll() == 1
    calls = x.made("GET", f"/2/users/{ACCOUNT}/mentions")
    assert "since_id" not in calls[0].query and calls[1].query["since_id"] == [MENTIONS[1]["id"]]
    assert x_mentions_poll() == 0
    with tenant_context(jakarta):
        assert Report.objects.count() == 2 and InboundMessage.objects.filter(provider="x").count() == 2
    assert first["id"] != later["id"]


def test_the_hubs_account_asks_where_and_files_with_that_pemda(x: ApiServer, bekasi: Pemda) -> None:
    national = "1708000000000000000"  # not mapped: the hub's own account

    def at_hub(text: str, author: str = CITIZEN) -> None:
        post = tweet(text, author=author)
        post["entities"]["user_mentions"][0]["id_str"] = national
        assert deliver(post, account=national, host="localhost").status_code == 200

    at_hub("@lapor1708 Jembatan penyeberangan di Jalan Ahmad Yani retak dan miring #lapor")
    assert replies_at_hub()[-1].startswith("Di kota/kabupaten mana?")
    at_hub("@lapor1708 Kota Bekasi")
    with tenant_context(bekasi):
        report = Report.objects.get()
        assert (report.channel, report.privacy, report.region_code) == ("twitter", Privacy.PUBLIC, "32.75")
    assert report.tracking_id in replies_at_hub()[-1] and "tidak bisa anonim" in replies_at_hub()[-1]
    at_hub(f"@lapor1708 CEK {report.tracking_id}")
    assert "Menunggu verifikasi" in replies_at_hub()[-1]
    at_hub(f"@lapor1708 CEK {report.tracking_id}", author=OTHER)
    assert "tidak ditemukan" in replies_at_hub()[-1]


def replies_at_hub() -> list[str]:
    with schema_context("public"):
        return list(OutboundMessage.objects.order_by("pk").values_list("text", flat=True))
