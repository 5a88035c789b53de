"""SMS through a running Kannel: the fake SMSC delivers a citizen's SMS to bearerbox, smsbox calls
the platform, and the reply comes back out of Kannel's sendsms to the citizen's phone."""

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
