"""The hub's early warning: the spikes each Pemda flagged (performance.warning), in one list.

The Pemda judges its own series against its own history and sends each alert through sync (kind
`spike.alert`, one key per alert, a version bumped as the spike grows); the hub keeps the newest
version of each and shows them with the same sentence the Pemda's pimpinan read.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from national_hub.models import HubSpikeAlert
from national_hub.permissions import hub_memberships, is_hub_operator
from performance.warning import spike_sentence


@transaction.atomic
def hub_spike_receive(*, message: dict[str, Any]) -> str:
    body = message["body"]
    pemda, version = str(body.get("pemda", "")), int(message["version"])
    current = HubSpikeAlert.objects.select_for_update().filter(pemda_code=pemda, alert_id=int(body["alert"])).first()
    if current is not None and current.version >= version:
        return "stale"
    HubSpikeAlert.objects.update_or_create(
        pemda_code=pemda,
        alert_id=int(body["alert"]),
        defaults={
            "pemda_name": str(body.get("name", ""))[:200],
            "version": version,
            "category_code": str(body.get("category", ""))[:40],
            "category_label": str(body.get("category_label", ""))[:120],
            "kecamatan": str(body.get("kecamatan", ""))[:100],
            "first_day": date.fromisoformat(str(body["first_day"])),
            "last_day": date.fromisoformat(str(body["last_day"])),
            "count": int(body["count"]),
            "usual_low": int(body["usual_low"]),
            "usual_high": int(body["usual_high"]),
            "received_at": timezone.now(),
        },
    )
    return "applied"


def hub_spikes_recent(*, days: int = 14) -> list[tuple[HubSpikeAlert, str]]:
    """The alerts of the last `days` days (WIB) with their sentences, newest first."""
    today = timezone.localdate()  # the hub's zone (WIB)
    alerts = HubSpikeAlert.objects.filter(last_day__gte=today - timedelta(days=days)).order_by("-last_day", "-count")
    return [
        (
            a,
            spike_sentence(
                category_label=a.category_label or a.category_code,
                pemda_name=a.pemda_name,
                kecamatan=a.kecamatan,
                count=a.count,
                low=a.usual_low,
                high=a.usual_high,
                day=a.last_day,
                today=today,
            ),
        )
        for a in alerts[:500]
    ]


def early_warning(request: HttpRequest) -> HttpResponse:
    """/konsol/peringatan/: the spikes of the last two weeks, across every Pemda."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not hub_memberships(request):
        return render(request, "403.html", status=403)
    context = {
        "nav": "konsol",
        "hub_page": "peringatan",
        "operator": is_hub_operator(request),
        "alerts": hub_spikes_recent(),
    }
    return render(request, "national_hub/early_warning.html", context)
