"""The hub console's landing page, and the onboarding page: state of all 552 Pemda, and a form to onboard one.

The other operator pages (triage, sync, K/L registry) are in national_hub.console_pages.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from national_hub.permissions import hub_memberships, is_hub_operator
from tenants.selectors import OnboardingState, pemda_onboarding_counts, pemda_onboarding_list
from tenants.services import OnboardingError, OnboardingResult, pemda_onboard


def onboarding_console(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not is_hub_operator(request):
        return render(request, "national_hub/forbidden.html", status=403)
    results: list[OnboardingResult] = []
    error = ""
    if request.method == "POST":
        try:
            results = pemda_onboard(
                code=request.POST.get("code", "").strip(),
                admin_email=request.POST.get("admin_email", "").strip(),
            )
        except OnboardingError as exc:
            error = " ".join(exc.messages)
    province = request.GET.get("provinsi") or None
    state = request.GET.get("status") or None
    if state not in OnboardingState.ORDER:
        state = None
    everything = pemda_onboarding_list()
    rows = [
        r
        for r in everything
        if (province is None or province in (r.region.code, r.region.province_code))
        and (state is None or r.state == state)
    ]
    counts = pemda_onboarding_counts(rows=everything)
    context = {
        "rows": rows,
        "counts": [(s, OnboardingState.LABELS[s], counts[s]) for s in OnboardingState.ORDER],
        "total": len(everything),
        "provinces": [r.region for r in everything if r.region.province_code is None],
        "province": province,
        "state": state,
        "results": results,
        "error": error,
        "nav": "konsol",
        "hub_page": "onboarding",
        "operator": True,
    }
    return render(request, "national_hub/onboarding.html", context, status=400 if error else 200)


def hub_console(request: HttpRequest) -> HttpResponse:
    """The hub console's landing page: onboarding, the referrals and the registry."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    memberships = hub_memberships(request)
    if not memberships:
        return render(request, "403.html", status=403)
    from national_hub.triage import triage_counts

    counts = triage_counts()
    context = {
        "nav": "konsol",
        "hub_page": "home",
        "operator": is_hub_operator(request),
        "triage": counts["triage"],
        "triage_overdue": counts["triage_overdue"],
    }
    return render(request, "national_hub/console_home.html", context)
