"""Schemathesis against each host's own OpenAPI schema, once per role, through the real WSGI app.

Each host (a Pemda's, `jakarta.localhost`, and the hub's, `localhost`) is asked for its
`/api/schema/`, and every operation in it is called with inputs schemathesis generates from the
schema — valid ones and, for negative testing, ones the schema forbids — as each role in turn:
anonymous, a citizen (account token and reporter token), a verifikator, a unit officer, a
pimpinan and a tenant admin of Jakarta, and a hub operator. Checks on every response: no 5xx,
the status code and the body are the ones the schema documents, and input the schema forbids is
refused with a 4xx.

The run is bounded and reproducible: a fixed number of examples per operation and generation
mode (`FUZZ_EXAMPLES`), a deadline per input (`REQUEST_DEADLINE`), Hypothesis derandomised (the
same inputs every run), no example database, no shrinking. Path parameters are half the time
the handles of real reports (ids, tracking IDs), so the fuzz reaches the code behind the 404.
The figure at the end: operations x roles, inputs tried, 5xx seen.

In-process rather than through gunicorn: the WSGI application (`lapor.lanes.LanedApplication`,
what gunicorn serves) sees the request's Host header as it would behind nginx, so django-tenants
routes each host to its schema; the test's transaction is rolled back afterwards.
"""

from __future__ import annotations

import base64
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core import signals
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from psycopg2.extensions import TRANSACTION_STATUS_INERROR
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Membership, Role
from lapor.lanes import LanedApplication
from tenants.models import Pemda
from tests.citizens.conftest import App, sms_code
from tests.complaints.conftest import Api, JakartaUnits

FUZZ_EXAMPLES = int(os.environ.get("LAPOR_FUZZ_EXAMPLES", "6"))  # per operation, role and generation mode
# One input (one request, in-process) that takes longer fails the run: a hang, not a slow machine.
REQUEST_DEADLINE = timedelta(seconds=10)
PEMDA_HOST, HUB_HOST = "jakarta.localhost", "localhost"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# At the hub, a Pemda's officers hold nothing: one of them stands for all.
HUB_ROLES = ("anonymous", "citizen", "verifikator", "hub operator")
# Calls that end the role's own session or account: each role reaches them last.
SELF_ENDING = ("/api/v1/auth/logout/", "/api/v1/citizen/logout/", "/api/v1/citizen/logout-all/")


@dataclass
class Tally:
    pairs: int = 0
    inputs: int = 0
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str, int], str] = field(default_factory=dict)  # (operation, check, status) -> example


def _basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{name}-pass-123".encode()).decode()}


@pytest.fixture
def citizen(jakarta: Pemda, hub: Pemda) -> tuple[str, dict[str, Any]]:
    """A citizen signed in through the API (account token) with a report of her own in Jakarta."""
    app = App()
    assert app.ask_code(phone="081298765432").status_code == 202
    assert app.sign_in(phone="081298765432", code=sms_code("+6281298765432")).status_code == 200
    return app.token, app.file(PEMDA_HOST)


@pytest.fixture
def roles(
    hub: Pemda, cast: dict[str, User], citizen: tuple[str, dict[str, Any]], settings: Any
) -> dict[str, dict[str, str]]:
    """The headers each role sends; the citizen's tokens are real ones from the API."""
    # Every officer's call checks a Basic password: with the production hasher (~0.1-0.3 s a
    # check here) that would be most of the run. Django's documented speed-up for tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for user in cast.values():
        user.set_password(f"{user.username}-pass-123")
        user.save(update_fields=["password"])
    hubert = User.objects.create_user("hubert", password="hubert-pass-123")
    Membership.objects.create(user=hubert, tenant=hub, role=Role.HUB_OPERATOR)
    token, mine = citizen
    return {
        "anonymous": {},
        "citizen": {"Authorization": f"Token {token}", "X-Reporter-Token": mine["reporter_token"]},
        "verifikator": _basic("vera"),
        "unit officer": _basic("otto"),
        "pimpinan": _basic("pia"),
        "tenant admin": _basic("adi"),
        "hub operator": _basic("hubert"),
    }


@pytest.fixture
def handles(
    api: Api, cast: dict[str, User], units: JakartaUnits, citizen: tuple[str, dict[str, Any]]
) -> dict[str, list[Any]]:
    """Real reports of Jakarta to aim path parameters at: one new, one verified and disposed, and
    the citizen's own (which her reporter token opens)."""
    fresh = api.submit(title="Trotoar rusak di Jalan Sudirman")
    verified = api.submit(title="Pohon tumbang di Jalan Thamrin")
    verified_id = api.officer_id(verified["tracking_id"])
    verify = api.post(f"/api/v1/officer/reports/{verified_id}/verify/", {"unit_id": units.pju.pk}, user="vera")
    assert verify.status_code == 200, verify.content
    return {
        "report_id": [api.officer_id(fresh["tracking_id"]), verified_id],
        "tracking_id": [fresh["tracking_id"], verified["tracking_id"], citizen[1]["tracking_id"]],
        "referral_id": [1],
    }


@pytest.fixture
def application(roles: dict[str, dict[str, str]], handles: dict[str, list[Any]]) -> Iterator[LanedApplication]:
    # Django closes the connection after each request (request_finished): in a test that would
    # close the test's transaction too. The test client disconnects the same handler for each of
    # its requests and connects it again afterwards, so this comes after the fixtures that use it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield LanedApplication()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _aimed(strategy: Any, names: list[str], handles: dict[str, list[Any]]) -> Any:
    """Valid cases, half of them with path parameters set to real objects' handles."""
    fillable = [n for n in names if n in handles]
    if not fillable:
        return strategy

    def aim(drawn: tuple[Any, bool, int]) -> Any:
        case, real, index = drawn
        if real:
            for name in fillable:
                values = handles[name]
                case.path_parameters[name] = values[index % len(values)]
        return case

    return st.tuples(strategy, st.booleans(), st.integers(0, 7)).map(aim)


def _negated_only_in_query_or_headers(case: Any) -> bool:
    """Query strings and headers the schema does not list are ignored, as by most web APIs (and
    django-filter reads a boolean it cannot parse as "no filter"): invalid input is judged on
    bodies and paths."""
    meta = case.meta
    if meta is None:
        return False
    negated = {
        str(location.value) for location, info in meta.components.items() if info.mode == GenerationMode.NEGATIVE
    }
    return bool(negated) and negated <= {"query", "header", "cookie"}


def _fuzz_operation(operation: Any, headers: dict[str, str], handles: dict[str, list[Any]], tally: Tally) -> None:
    names = [p.name for p in operation.path_parameters]
    # The role's headers are fixed, never generated (nor negated): the role is what is being tested.
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, headers=headers)
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, headers=headers)
    strategy = st.one_of(_aimed(positive, names, handles), negative)

    @settings(
        max_examples=FUZZ_EXAMPLES * 2,
        derandomize=True,
        database=None,
        deadline=REQUEST_DEADLINE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        # Each request in a savepoint, as each is its own transaction in production: a query the
        # database refused fails that request only, not every later one of the test.
        savepoint = transaction.savepoint()
        response = case.call(headers=headers)
        if connection.connection.get_transaction_status() == TRANSACTION_STATUS_INERROR:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        tally.inputs += 1
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors += 1
        checks = CHECKS
        if _negated_only_in_query_or_headers(case):
            checks = [c for c in CHECKS if c is not negative_data_rejection]
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:  # collected, so one run reports every operation's failures
            for failure in group.exceptions:
                key = (operation.label, getattr(failure, "title", type(failure).__name__), response.status_code)
                tally.failures.setdefault(key, str(group)[:1200])

    run()


def _fuzz_host(
    host: str, application: LanedApplication, roles: dict[str, dict[str, str]], handles: dict[str, list[Any]]
) -> Tally:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers={"Host": host})
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: (op.path in SELF_ENDING or op.method.upper() == "DELETE", op.path, op.method),
    )
    tally = Tally()
    for role, credentials in roles.items():
        if host == HUB_HOST and role not in HUB_ROLES:
            continue
        for operation in operations:
            _fuzz_operation(operation, {"Host": host, **credentials}, handles, tally)
            tally.pairs += 1
    return tally


@pytest.mark.parametrize("host", [PEMDA_HOST, HUB_HOST])
def test_every_operation_for_every_role_answers_what_the_schema_says(
    host: str,
    application: LanedApplication,
    roles: dict[str, dict[str, str]],
    handles: dict[str, list[Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.perf_counter()
    tally = _fuzz_host(host, application, roles, handles)
    role_count = len(HUB_ROLES) if host == HUB_HOST else len(roles)
    with capsys.disabled():
        print(
            f"\nfuzz {host}: {tally.pairs} operation x role pairs ({role_count} roles), "
            f"{tally.inputs} inputs tried, {tally.server_errors} 5xx seen, {len(tally.failures)} distinct failures, "
            f"{time.perf_counter() - started:.0f} s; statuses {dict(sorted(tally.statuses.items()))}"
        )
    assert tally.pairs and tally.inputs >= tally.pairs  # every pair was tried at least once
    distinct = [f"{op} -> {status}: {check}" for (op, check, status) in sorted(tally.failures)]
    examples = "\n\n".join(
        f"== {op} -> {status}: {check}\n{text}" for (op, check, status), text in sorted(tally.failures.items())
    )
    assert not tally.failures, "\n".join(distinct) + "\n\n" + examples
