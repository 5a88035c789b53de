"""Accounts that file reports through the report API, registered by the apps that keep them.

complaints never imports those apps (the import contracts keep it below them). An app that keeps
accounts (citizens: the mobile app's citizen accounts) registers in its ready() the DRF
authentication that recognises its callers on `POST /api/v1/reports/`, and what to record when
one of them files a report; that runs inside the report's own transaction, so a report and its
record commit or fail together. Without a registration the API authenticates nobody, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.authentication import BaseAuthentication

from complaints.models import Report

Filed = Callable[..., None]  # filed(*, user, report) -> None

authentications: list[type[BaseAuthentication]] = []
_filed: list[Filed] = []


def register(*, authentication: type[BaseAuthentication], filed: Filed) -> None:
    if authentication not in authentications:
        authentications.append(authentication)
    if filed not in _filed:
        _filed.append(filed)


def report_filed_by(*, user: Any, report: Report) -> None:
    """Tell the registered apps that `user` (authenticated by one of theirs) filed `report`."""
    for filed in _filed:
        filed(user=user, report=report)
