"""SMS through a running Kannel: the fake SMSC delivers a citizen's SMS to bearerbox, smsbox calls
the platform, and the reply comes back out of Kannel's sendsms to the citizen's phone: file, check,
reply, and an answer longer than one SMS in concatenated parts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tests.channels.kannel import (
    SENDSMS_PASSWORD,
    SENDSMS_USER,
    Gateway,
    kannel_or_skip,
    kannel_ports,
    running_kannel,
    sendsms_url,
)
from tests.helpers import database_url
from tests.web.browser import Site, running_site

pytestmark = [pytest.mark.slow]
KEY = "kunci-kannel-e2e"
CITIZEN = "6281234567890"
JAKARTA_NUMBER = "6281100000031"


@pytest.fixture(scope="module")
def gateway(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[Site, Gateway]]:
    kannel_or_skip()
    with django_db_blocker.unblock():
        base = database_url(connection.settings_dict)
        name = f"{connection.settings_dict['NAME']}_kannel"
    ports = kannel_ports()
    env = {
        "LAPOR_KANNEL_SECRET": KEY, "LAPOR_KANNEL_SENDSMS_URL": sendsms_url(ports),
        "LAPOR_KANNEL_USERNAME": SENDSMS_USER, "LAPOR_KANNEL_PASSWORD": SENDSMS_PASSWORD,
    }  # fmt: skip
    with running_site(base, name, ["31", "32", "32.75"], **env) as site:
        site.deployment.manage("shell", "-c", _MAP_NUMBER)
        site.deployment.worker()  # sends the replies the relay queues
        with running_kannel(key=KEY, platform_url=f"http://localhost:{site.port}", ports=ports) as kannel:
            yield site, kannel


_MAP_NUMBER = f"""
from tenants.models import ChannelAddress, Pemda
ChannelAddress.objects.get_or_create(kind="sms", address="+{JAKARTA_NUMBER}", tenant=Pemda.objects.get(code="31"))
"""


_DEFER = """
from django_tenants.utils import tenant_context
from complaints.audit import Actor
from complaints.models import Report
from complaints.services import report_defer
from tenants.models import Pemda
with tenant_context(Pemda.objects.get(code="31")):
    report = Report.objects.get(tracking_id="{tracking_id}")
    report_defer(report=report, actor=Actor(user_id=None, label="verifikator"), question="{question}")
"""


def test_an_sms_through_kannel_is_filed_and_answered_with_its_tracking_id(gateway: tuple[Site, Gateway]) -> None:
    site, kannel = gateway
    kannel.send(CITIZEN, JAKARTA_NUMBER, "LAPOR Pohon tumbang menutup Jalan Cikini Raya sejak subuh")
    reply = kannel.received(CITIZEN, contains="laporan diterima")
    tracking_id = re.search(r"nomor ([0-9A-Z]{4}-[0-9A-Z*~$=U]{5})", reply).group(1)
    ((channel, text),) = site.deployment.query(
        "SELECT channel, text FROM pemda_31.complaints_report WHERE tracking_id = %s", (tracking_id,)
    )
    assert channel == "sms" and text == "Pohon tumbang menutup Jalan Cikini Raya sejak subuh"

    kannel.send(CITIZEN, JAKARTA_NUMBER, f"CEK {tracking_id}")
    assert "Menunggu verifikasi" in kannel.received(CITIZEN, contains=f"{tracking_id}: ")

    kannel.send(CITIZEN, JAKARTA_NUMBER, f"BALAS {tracking_id} Batangnya menimpa dua motor yang parkir")
    kannel.received(CITIZEN, contains=f"Balasan Anda untuk {tracking_id} diterima")
    assert site.deployment.query(
        "SELECT f.author_kind, f.text FROM pemda_31.complaints_followup f JOIN pemda_31.complaints_report r"
        " ON r.id = f.report_id WHERE r.tracking_id = %s",
        (tracking_id,),
    ) == [("reporter", "Batangnya menimpa dua motor yang parkir")]

    # The verifikator asks a long question; the status answer that quotes it is longer than one
    # SMS, and reaches the phone as concatenated parts that join into the whole answer.
    question = (
        "Mohon sebutkan nomor rumah atau toko terdekat dari pohon yang tumbang, apakah ada kabel listrik"
        " yang ikut tertimpa, dan sejak jam berapa jalan tertutup, agar regu pemotong dapat segera dikirim."
    )
    site.deployment.manage("shell", "-c", _DEFER.format(tracking_id=tracking_id, question=question))
    kannel.send(CITIZEN, JAKARTA_NUMBER, f"CEK {tracking_id}")
    whole = kannel.joined(CITIZEN, starts=f"{tracking_id}: ")
    assert whole.startswith(f"{tracking_id}: Ditunda") and whole.endswith(f"Tanggapan terakhir: {question}"), whole
    assert len(whole) > 160


def test_the_national_number_asks_where_through_kannel(gateway: tuple[Site, Gateway]) -> None:
    site, kannel = gateway
    citizen = "6281311112222"
    kannel.send(citizen, "1708", "LAPOR Lampu lalu lintas di simpang Bulak Kapal mati total")
    kannel.received(citizen, contains="kota/kabupaten mana")
    kannel.send(citizen, "1708", "Kota Bekasi")
    reply = kannel.received(citizen, contains="Kota Bekasi: laporan diterima")
    tracking_id = re.search(r"nomor ([0-9A-Z]{4}-[0-9A-Z*~$=U]{5})", reply).group(1)
    assert site.deployment.query(
        "SELECT region_code FROM pemda_32_75.complaints_report WHERE tracking_id = %s", (tracking_id,)
    ) == [("32.75",)]
