"""The isolation matrix: every route of a Pemda host and of the hub, for every role, aimed at
another Pemda's objects — by id, by tracking ID and by host. No response may reveal them.

Routes come from the URL resolvers themselves (lapor.urls_tenant, lapor.urls_public), so a route
added later is covered without anyone listing it; a route whose parameter this file cannot fill
fails the test until a filler is added. Pemda A is Jakarta (the attackers' home), Pemda B is Kota
Bekasi, which holds the canaries: an anonim and rahasia report with a distinctive reporter, an
internal note, a question asked of a rahasia reporter. Every response body and header is searched for them.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from agencies.services import unit_ensure
from complaints import services
from complaints.audit import Actor
from complaints.models import AuditEvent, Category, FollowUp, InternalNote, Report
from tenants.models import Pemda
from tests.complaints.conftest import Api

CANARIES = (
    "Kanari Sutrisnowati",
    "081377700011",
    "kanari.sutrisno@bekasi.example",
    "3275019999990001",
    "KANARIRAHASIA",
    "KANARICATATAN",
    "KANARIPERTANYAAN",
)
A_HOST, B_HOST, HUB_HOST = "jakarta.localhost", "bekasi.localhost", "localhost"
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Target:
    """B's objects, by every handle a route may take."""

    report_ids: list[int]
    tracking_ids: list[str]
    attachment_ids: list[int]
    code: str
    values: dict[str, list[str]] = field(default_factory=dict)


def _routes(urlconf: str) -> Iterator[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    yield from walk(get_resolver(urlconf).url_patterns, "")


def _fill(route: str, target: Target) -> list[str]:
    """Concrete paths of a route, aimed at B; [] for a route that takes nothing of B's (admin's catch-all)."""
    if route.startswith("admin/") and ("(?P<" in route or "^" in route):
        return []  # Django admin's own regex routes; its model routes below are filled
    paths = ["/" + route]
    for match in PARAM.finditer(route):
        converter, name = match.group(1) or "str", match.group(2)
        if name == "report_id":
            values = [str(i) for i in target.report_ids]
        elif name == "tracking_id":
            values = target.tracking_ids
        elif name == "attachment_id":
            values = [str(i) for i in target.attachment_ids]
        elif name in target.values:
            values = target.values[name]
        else:
            raise AssertionError(f"the isolation matrix cannot fill <{converter}:{name}> of {route}: add a filler")
        paths = [p.replace(match.group(0), v, 1) for p in paths for v in values]
    return paths


@pytest.fixture
def target(jakarta: Pemda, bekasi: Pemda, cast: dict[str, User]) -> Target:
    with tenant_context(bekasi):
        unit = unit_ensure(code="DISPERKIM", name="Dinas Perumahan Bekasi", kind="dinas")
        bob = User.objects.create_user("bekasi-vera", password="bekasi-vera-pass-123")
        Membership.objects.create(user=bob, tenant=bekasi, role=Role.VERIFIKATOR)
        actor = Actor(user_id=bob.pk, label=bob.username)
        reporter = services.ReporterIdentity(name=CANARIES[0], phone=CANARIES[1], email=CANARIES[2], nik=CANARIES[3])
        category = Category.objects.filter(is_active=True).order_by("pk").first()
        assert category is not None
        secret = services.report_submit(
            type="pengaduan", category=category, title=f"{CANARIES[4]} pungli di kelurahan",
            text="Petugas meminta uang untuk surat pengantar. " + CANARIES[4], privacy="anonim_rahasia",
            channel="web", language="id", reporter=reporter, location={}, attachments=[],
        ).report  # fmt: skip
        services.report_verify(report=secret, actor=actor, unit=unit)
        services.note_create(report=Report.objects.get(pk=secret.pk), actor=actor, text=CANARIES[5])
        asked = services.report_submit(
            type="pengaduan", category=category, title="Pertanyaan tentang banjir", text="Banjir lagi di RW 05.",
            privacy="anonim_rahasia", channel="web", language="id", reporter=reporter, location={}, attachments=[],
        ).report  # fmt: skip
        services.report_defer(report=asked, actor=actor, question=CANARIES[6])  # for the reporter's eyes only
        ids = [secret.pk]
        tracking = [secret.tracking_id, asked.tracking_id]
    return Target(
        report_ids=ids,
        tracking_ids=tracking,
        attachment_ids=[1],
        code=bekasi.code,
        values={
            "action": ["identitas", "balas"],  # the console's identity reveal, the reporter's reply
            "token": ["0" * 32],
            "name": ["laporan-bulanan"],
            "fmt": ["csv", "json", "xml"],
            "code": [bekasi.code, bekasi.slug],
            "referral_id": ["1"],
            "rule_id": ["1"],
            "object_id": ["1"],
            "content_type_id": ["1"],
            "id": ["1"],
            "pk": ["1"],  # django-otp's admin page of an authenticator (its QR code)
        },
    )


def _snapshot(bekasi: Pemda, ids: list[int]) -> tuple[Any, ...]:
    with tenant_context(bekasi):
        reports = tuple(Report.objects.filter(pk__in=ids).order_by("pk").values_list("status", "version", "unit_id"))
        return (
            reports,
            FollowUp.objects.filter(report_id__in=ids).count(),
            InternalNote.objects.filter(report_id__in=ids).count(),
            AuditEvent.objects.filter(report_id__in=ids).count(),
        )


def _leaks(response: Any) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace") + " ".join(f"{k}: {v}" for k, v in response.items())
    return [c for c in CANARIES if c.lower() in text.lower()]


def test_no_route_for_any_role_reveals_another_pemdas_data(
    jakarta: Pemda, bekasi: Pemda, hub: Pemda, tenants_registry: dict[str, Pemda], cast: dict[str, User],
    target: Target,
) -> None:  # fmt: skip
    api = Api()
    mine = api.submit(title="Lampu mati di depan sekolah")  # a citizen of A holds A's token
    hubert = User.objects.create_user("hubert", password="hubert-pass-123")
    Membership.objects.create(user=hubert, tenant=hub, role=Role.HUB_OPERATOR)
    kelly = User.objects.create_user("kelly", password="kelly-pass-123")
    Membership.objects.create(user=kelly, tenant=hub, role=Role.KL_OFFICER)
    dua = User.objects.create_user("dua", password="dua-pass-123")
    Membership.objects.create(user=dua, tenant=jakarta, role=Role.VERIFIKATOR)
    Membership.objects.create(user=dua, tenant=tenants_registry["jabar"], role=Role.TENANT_ADMIN)  # B's province
    people = {name: cast[name] for name in ("vera", "adi", "hana", "otto", "pia", "audi")}
    people.update(hubert=hubert, kelly=kelly, dua=dua)
    before = _snapshot(bekasi, target.report_ids)

    roles: dict[str, tuple[Client, dict[str, str]]] = {"anonymous": (Client(), {})}
    citizen = Client()
    roles["citizen"] = (citizen, {"HTTP_X_REPORTER_TOKEN": mine["reporter_token"]})
    for name, user in people.items():
        client = Client()
        client.force_login(user)  # a session opened on A's host (the cookie is not bound to a host)
        basic = base64.b64encode(f"{name}:{name}-pass-123".encode()).decode()
        roles[name] = (client, {"HTTP_AUTHORIZATION": f"Basic {basic}"})

    tenant_routes = list(_routes("lapor.urls_tenant"))
    tenant_paths = [p for r in tenant_routes for p in _fill(r, target)]
    # On A's own host only a route that takes one of B's handles can be aimed at B.
    aimed_paths = [p for r in tenant_routes if PARAM.search(r) for p in _fill(r, target)]
    hub_paths = [p for r in _routes("lapor.urls_public") for p in _fill(r, target)]
    # Three ways at B from a Pemda host: B's ids on A's host, A's credentials on B's host, A's host
    # claiming B's in forwarded-host headers; and the hub's routes given B's code and ids.
    aims = [
        (A_HOST, {}, aimed_paths),
        (B_HOST, {}, tenant_paths),
        (A_HOST, {"HTTP_X_FORWARDED_HOST": B_HOST, "HTTP_FORWARDED": f"host={B_HOST}"}, tenant_paths),
        (HUB_HOST, {}, hub_paths),
    ]
    timings: dict[str, float] = {}
    pairs = 0
    leaks: list[str] = []
    errors: list[str] = []
    for role, (client, credentials) in roles.items():
        for host, headers, paths in aims:
            for path in paths:
                methods = ["get", "post"]
                if role == "hubert" and host == HUB_HOST:
                    methods = ["get"]  # the hub operator's own powers over a Pemda (archive, delete) are his
                for method in methods:
                    query: dict[str, str] | None = None
                    if method == "get":
                        query = {"kunci": mine["reporter_token"]} if role == "citizen" else {}
                        if host == HUB_HOST:
                            query["jurisdiction_id"] = B_HOST  # Open311 at the hub picks a Pemda by it
                    call = getattr(client, method)
                    extra = {**credentials, **headers, "HTTP_HOST": host}
                    started = time.perf_counter()
                    response = call(path, query, **extra) if method == "get" else call(path, {}, **extra)
                    key = f"{method.upper()} {host}{path}"
                    timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
                    pairs += 1
                    found = _leaks(response)
                    if found:
                        leaks.append(f"{role} {method.upper()} {host}{path} -> {response.status_code}: {found}")
                    if response.status_code >= 500:
                        errors.append(f"{role} {method.upper()} {host}{path} -> {response.status_code}")
    print(f"isolation matrix: {pairs} route x role x aim requests, {len(roles)} roles, "
          f"{len(tenant_paths)} Pemda paths, {len(hub_paths)} hub paths")  # fmt: skip
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:8]
    print("slowest (s, all roles):", ", ".join(f"{k} {v:.1f}" for k, v in slowest))
    assert not leaks, "\n".join(leaks[:40])
    assert not errors, "\n".join(errors[:40])
    assert _snapshot(bekasi, target.report_ids) == before  # nothing of B's was changed either
    assert pairs > 1000
