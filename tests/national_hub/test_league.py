"""The hub's league tables: Pemda ranked from the figures they send, K/L from the referrals they work."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from national_hub.kl_stats import kl_rebuild
from national_hub.models import KlStatsHistogram, KlStatsMonth
from national_hub.stats import pemda_league, pemda_stats_receive
from tests.complaints.conftest import Api
from tests.sync.test_referral_flows import _refer
from tests.two_factor import staff_sign_in

pytestmark = pytest.mark.django_db
HUB = "localhost"


def _logged_in(username: str) -> Client:
    client = Client(HTTP_HOST=HUB)
    staff_sign_in(client, username, f"{username}-pass-123")
    return client


def _send(code: str, name: str, categories: dict[str, tuple[int, int]], version: int = 1) -> None:
    """A Pemda's stats.update for this month: per category (first responses, of which on time)."""
    month = timezone.localdate().replace(day=1).isoformat()
    body = {
        "pemda": code,
        "name": name,
        "months": {
            month: {
                "categories": {
                    c: {"received": n + 2, "disposed": n + 1, "first_n": n, "first_on_time": t, "answered": n,
                        "completed": n, "rating_sum": 4 * n, "rating_n": n, "breaches": n - t, "open": 1}
                    for c, (n, t) in categories.items()
                },
                "first": {"3": sum(n for n, _t in categories.values())},
            }
        },
    }  # fmt: skip
    assert pemda_stats_receive(message={"body": body, "version": version}) == "applied"


@pytest.fixture
def leagues(hub: Any) -> None:
    # Bandung is busy with floods, which are answered late everywhere, and beats the national
    # norm for that mix; Bekasi is quiet with street lights, answered fast everywhere, and is
    # exactly at the norm; Bogor is below it; Depok has too few to judge.
    _send("32.73", "Kota Bandung", {"banjir": (400, 200), "lampu-jalan": (100, 90)})
    _send("32.75", "Kota Bekasi", {"lampu-jalan": (60, 54)})
    _send("32.01", "Kabupaten Bogor", {"banjir": (200, 60)})
    _send("32.76", "Kota Depok", {"lampu-jalan": (5, 5)})


def test_a_busy_pemda_with_hard_categories_is_not_ranked_below_a_quiet_one(leagues: None) -> None:
    today = timezone.localdate().replace(day=1)
    rows = pemda_league(since=today, until=today)
    assert [(r.code, r.rank) for r in rows] == [("32.73", 1), ("32.75", 2), ("32.01", 3), ("32.76", None)]
    bandung, bekasi = rows[0], rows[1]
    # By the raw share Bekasi (90 %) would be far above Bandung (58 %).
    assert bekasi.on_time_share > bandung.on_time_share  # type: ignore[operator]
    assert bandung.ranked and bandung.ranked.ratio and bandung.ranked.ratio > 1.05
    assert bekasi.ranked and bekasi.ranked.ratio == pytest.approx(1.0, abs=0.01)
    assert (bandung.received, bandung.first_median_h) == (504, 3.5)


def test_a_newer_message_replaces_a_month_and_an_older_one_is_ignored(leagues: None) -> None:
    _send("32.76", "Kota Depok", {"lampu-jalan": (30, 30)}, version=5)
    body = {"pemda": "32.76", "name": "Kota Depok", "months": {timezone.localdate().replace(day=1).isoformat(): {}}}
    assert pemda_stats_receive(message={"body": body, "version": 4}) == "stale"
    today = timezone.localdate().replace(day=1)
    depok = next(r for r in pemda_league(since=today, until=today) if r.code == "32.76")
    assert (depok.first_n, depok.rank is not None) == (30, True)


def test_the_league_page_shows_both_tables_and_exports_them(leagues: None, sync_cast: dict[str, User]) -> None:
    hugo = _logged_in("hugo")
    page = hugo.get("/konsol/liga/").content.decode()
    assert page.index("Kota Bandung") < page.index("Kota Bekasi") < page.index("Kabupaten Bogor")
    assert "data belum cukup" in page and "Liga K/L" in page and "<svg" in page
    exported = hugo.get("/konsol/liga/?format=csv&tabel=pemda").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert [r[1] for r in rows[1:]] == ["32.73", "32.75", "32.01", "32.76"]
    west_java = hugo.get("/konsol/liga/?provinsi=32").content.decode()
    assert "Kota Bandung" in west_java and "Liga K/L" not in west_java


def test_a_period_or_province_that_makes_no_sense_is_explained_and_strangers_are_kept_out(
    leagues: None, sync_cast: dict[str, User]
) -> None:
    hugo = _logged_in("hugo")
    bad = hugo.get("/konsol/liga/?provinsi=Jawa")
    assert bad.status_code == 400 and "Kode provinsi Jawa tidak sah" in bad.content.decode()
    assert hugo.get("/konsol/liga/?dari=2026-02&sampai=2025-01").status_code == 400
    assert Client(HTTP_HOST=HUB).get("/konsol/liga/")["Location"].startswith("/masuk/")
    vera = Client(HTTP_HOST=HUB)
    vera.force_login(User.objects.get(username="vera"))  # a Jakarta verifikator is nobody at the hub
    refused = vera.get("/konsol/liga/")
    assert refused.status_code == 302 and "Kota Bandung" not in refused.content.decode()


def test_a_kl_is_counted_when_it_answers_and_a_rebuild_gives_the_same_figures(
    api: Api, hub_api: Api, sync_cast: dict[str, User], sweep: Any
) -> None:
    submitted = api.submit(category="bansos", title="Bantuan PKH kami dihentikan", text="Bantuan PKH dihentikan.")
    _refer(api, submitted)
    sweep()
    (received,) = KlStatsMonth.objects.filter(target_code="kemensos")
    assert (received.received, received.first_n, received.answered) == (1, 0, 0)
    (listed,) = hub_api.get("/api/v1/hub/referrals/", user="kiki").json()
    answer = {"action": "followup", "text": "Data PKH Anda sudah kami pulihkan.", "final": True}
    assert hub_api.post(f"/api/v1/hub/referrals/{listed['id']}/act/", answer, user="kiki").status_code == 200
    (answered,) = KlStatsMonth.objects.filter(target_code="kemensos")
    # Answered at once, on a working day or not: on time, within the first working hour's bucket.
    assert (answered.received, answered.first_n, answered.first_on_time, answered.answered) == (1, 1, 1, 1)
    figures = sorted(KlStatsMonth.objects.values_list()), sorted(KlStatsHistogram.objects.values_list())
    assert kl_rebuild() == 1
    again = sorted(KlStatsMonth.objects.values_list()), sorted(KlStatsHistogram.objects.values_list())
    assert [row[1:] for row in again[0]] == [row[1:] for row in figures[0]]
    assert [row[1:] for row in again[1]] == [row[1:] for row in figures[1]]
    page = _logged_in("hugo").get("/konsol/liga/").content.decode()
    kl_table = page[page.index("Liga K/L") :]
    assert "Kementerian Sosial" in kl_table


def test_a_newer_update_counts_at_the_next_view_despite_the_cached_league(leagues: None) -> None:
    since = timezone.localdate().replace(day=1)
    before = {r.code: r for r in pemda_league(since=since, until=since)}
    assert before["32.76"].first_n == 5
    assert {r.code: r.first_n for r in pemda_league(since=since, until=since)}["32.76"] == 5  # from the cache
    _send("32.76", "Kota Depok", {"lampu-jalan": (40, 39)}, version=2)
    after = {r.code: r for r in pemda_league(since=since, until=since)}
    assert after["32.76"].first_n == 40
    assert after["32.76"].rank is not None and before["32.76"].rank is None  # now enough to be judged
