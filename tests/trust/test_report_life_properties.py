"""The report's life as a Hypothesis state machine: any sequence of the services' actions, on any
of a handful of reports, as time passes, never reaches an invalid state or loses a clock.

Rules call the real services of complaints.services (submit, verify, re-dispose, tunda, refer,
archive, follow-up and final answer, the reporter's reply, rating and reopening, merge, the
auto-close and the SLA scan's steps) on Jakarta's real schema, and move the clock forward by
hours or weeks. An action the report's state does not allow must be refused (InvalidTransition
or ValidationError) and change nothing; an allowed one must bump the version. After every step:

- each status has the timestamps and fields it implies (a disposed report has a unit, an
  answered one an auto-close date, a closed one its closing time, in order), and
- each report has exactly the SLA clocks (deadlines.DueDeadline) its status calls for, due when
  the report says: verification while submitted, the first response while disposed and not yet
  answered, auto-close while answered; none while deferred, and none once it is closed,
  archived, referred or merged.

Bounded and reproducible: derandomised, a fixed number of sequences and steps (`LIFE_EXAMPLES`).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from complaints import services
from complaints.audit import Actor
from complaints.models import Category, Referral, Report, Status
from deadlines.models import DeadlineKind, DueDeadline
from deadlines.selectors import due_actions_here
from lapor.errors import InvalidTransition
from tenants.models import Pemda
from tests.complaints.conftest import JakartaUnits

LIFE_EXAMPLES = int(os.environ.get("LAPOR_LIFE_EXAMPLES", "25"))
LIFE_STEPS = 30
REFUSED = (InvalidTransition, ValidationError)
CLOCK_KINDS = (DeadlineKind.VERIFY, DeadlineKind.RESPONSE, DeadlineKind.AUTOCLOSE)
TEXT = st.sampled_from(["Mohon segera ditindaklanjuti.", "Sudah diperbaiki sebagian.", "   ", "x" * 300])


def expected_clocks(report: Report) -> dict[str, datetime | None]:
    """The SLA clocks a report in this state must have, with the due time each must carry."""
    if report.status == Status.SUBMITTED:
        return {DeadlineKind.VERIFY: report.verify_due_at}
    if report.status == Status.DISPOSED and report.first_response_at is None:
        return {DeadlineKind.RESPONSE: report.response_due_at}
    if report.status == Status.ANSWERED:
        return {DeadlineKind.AUTOCLOSE: report.autoclose_due_at}
    return {}


def state_problems(report: Report) -> list[str]:
    """What is wrong with this report's fields for its status (empty when it is consistent)."""
    r, problems = report, []

    def need(condition: bool, what: str) -> None:
        if not condition:
            problems.append(f"{r.tracking_id} {r.status}: {what}")

    need(r.submitted_at is not None, "no submitted_at")
    if r.status in (Status.SUBMITTED, Status.DEFERRED):
        need(r.unit_id is None, "a unit before verification")
        need(r.verified_at is None, "verified_at before verification")
        need(r.closed_at is None and r.answered_at is None, "closed or answered while awaiting verification")
    if r.status == Status.SUBMITTED:
        need(r.verify_due_at is not None and r.paused_days_left is None, "no running verification clock")
    if r.status == Status.DEFERRED:
        need(r.paused_days_left is not None and r.paused_days_left >= 0, "paused without the days left")
        need(bool(r.deferred_question.strip()), "deferred without a question")
    if r.status in (Status.DISPOSED, Status.ANSWERED, Status.CLOSED):
        need(r.unit_id is not None, "no unit")
        need(r.verified_at is not None and r.disposed_at is not None, "not verified and disposed")
    if r.status == Status.DISPOSED:
        need(r.response_due_at is not None, "no response due date")
        need(r.answered_at is None and r.autoclose_due_at is None, "still carries the earlier answer")
        need(r.closed_at is None and r.rating is None, "closed or rated while open")
    if r.status == Status.ANSWERED:
        need(r.first_response_at is not None and r.answered_at is not None, "answered without an answer")
        need(r.autoclose_due_at is not None, "answered without an auto-close date")
        need(r.closed_at is None and r.rating is None, "closed or rated while awaiting the reporter")
    if r.status == Status.CLOSED:
        need(r.answered_at is not None and r.closed_at is not None, "closed without answer or closing time")
    if r.status == Status.ARCHIVED:
        need(r.closed_at is not None and bool(r.archive_reason.strip()), "archived without a reason or time")
        need(r.unit_id is None, "archived after disposition")
    if r.status == Status.MERGED:
        need(r.merged_into_id is not None and r.merged_into_id != r.pk, "merged into nothing")
        need(r.closed_at is not None, "merged without a closing time")
    if r.status == Status.REFERRED:
        need(Referral.objects.filter(report_id=r.pk).exists(), "referred without a referral")
        need(r.unit_id is None, "referred after disposition")
    if r.rating is not None:
        need(1 <= r.rating <= 5, "rating out of range")
        need(r.status == Status.CLOSED, "rated but not closed")
    ordered = [r.submitted_at, r.verified_at, r.disposed_at]
    present = [t for t in ordered if t is not None]
    need(present == sorted(present), "submitted, verified, disposed out of order")
    answered = [t for t in (r.first_response_at, r.answered_at, r.closed_at) if t is not None]
    need(answered == sorted(answered), "first response, answer, closing out of order")
    return problems


class ReportLife(RuleBasedStateMachine):
    """Set by the test before it runs: the Pemda, its units and the officers acting."""

    pemda: Pemda
    units: JakartaUnits
    verifikator: User
    officer: User
    clock: datetime  # carried from one sequence to the next, so time only ever moves forward

    reports = Bundle("reports")

    def __init__(self) -> None:
        super().__init__()
        self.context = tenant_context(self.pemda)
        self.context.__enter__()
        self.travel = time_machine.travel(ReportLife.clock, tick=True)
        self.time = self.travel.start()
        self.mine: list[int] = []
        self.category = Category.objects.filter(is_active=True).order_by("pk").first()
        self.vera = Actor(user_id=self.verifikator.pk, label=self.verifikator.username)
        self.otto = Actor(user_id=self.officer.pk, label=self.officer.username)

    def teardown(self) -> None:
        ReportLife.clock = timezone.now() + timedelta(minutes=1)
        self.travel.stop()
        self.context.__exit__(None, None, None)

    # --- the actions --------------------------------------------------------------------------

    @initialize(target=reports)
    def first_report(self) -> int:
        return self._submit()

    @rule(target=reports)
    def submit(self) -> int:
        return self._submit()

    def _submit(self) -> int:
        assert self.category is not None
        report = services.report_submit(
            type="pengaduan", category=self.category, title="Lampu jalan mati di Jalan Merdeka",
            text="Sudah seminggu gelap.", reporter=services.ReporterIdentity(name="Siti", phone="081234567890"),
            privacy="public",
        ).report  # fmt: skip
        self.mine.append(report.pk)
        return report.pk

    def _act(self, report_id: int, action: Any) -> None:
        """Run an action; refused, it must change nothing; done, the report has a new version."""
        before = self._snapshot(report_id)
        try:
            action(Report.objects.select_for_update().get(pk=report_id))
        except REFUSED:
            assert self._snapshot(report_id) == before, "a refused action changed the report"
            return
        assert Report.objects.get(pk=report_id).version > before[1], "an action changed nothing"

    def _snapshot(self, report_id: int) -> tuple[Any, ...]:
        report = Report.objects.get(pk=report_id)
        clocks = sorted(
            DueDeadline.objects.filter(schema_name=self.pemda.schema_name, report_id=report_id).values_list(
                "kind", "due_at", "stage"
            )
        )
        return (report.status, report.version, report.unit_id, report.closed_at, report.rating, clocks)

    @rule(report=reports, unit=st.sampled_from(["dpe", "pju", "dbm"]))
    def verify(self, report: int, unit: str) -> None:
        self._act(report, lambda r: services.report_verify(report=r, actor=self.vera, unit=getattr(self.units, unit)))

    @rule(report=reports, unit=st.sampled_from(["dpe", "pju", "dbm"]))
    def dispose_again(self, report: int, unit: str) -> None:
        self._act(report, lambda r: services.report_dispose(report=r, actor=self.vera, unit=getattr(self.units, unit)))

    @rule(report=reports, question=TEXT)
    def defer(self, report: int, question: str) -> None:
        self._act(report, lambda r: services.report_defer(report=r, actor=self.vera, question=question))

    @rule(report=reports, reason=TEXT)
    def refer(self, report: int, reason: str) -> None:
        self._act(report, lambda r: services.report_refer(report=r, actor=self.vera, reason=reason, target_code="32"))

    @rule(report=reports, reason=TEXT)
    def archive(self, report: int, reason: str) -> None:
        self._act(report, lambda r: services.report_archive(report=r, actor=self.vera, reason=reason))

    @rule(report=reports, text=TEXT, final=st.booleans())
    def follow_up(self, report: int, text: str, final: bool) -> None:
        self._act(report, lambda r: services.followup_create(report=r, actor=self.otto, text=text, final=final))

    @rule(report=reports, text=TEXT)
    def reporter_reply(self, report: int, text: str) -> None:
        self._act(report, lambda r: services.reporter_reply(report=r, text=text))

    @rule(report=reports, rating=st.integers(0, 6))
    def rate(self, report: int, rating: int) -> None:
        self._act(report, lambda r: services.report_rate(report=r, rating=rating, comment="Terima kasih"))

    @rule(report=reports, reason=TEXT)
    def reopen(self, report: int, reason: str) -> None:
        self._act(report, lambda r: services.report_reopen(report=r, reason=reason))

    @rule(duplicate=reports, into=reports)
    def merge(self, duplicate: int, into: int) -> None:
        self._act(
            duplicate,
            lambda r: services.report_merge(duplicate=r, into=Report.objects.get(pk=into), actor=self.vera),
        )

    @rule(report=reports)
    def autoclose(self, report: int) -> None:
        before = self._snapshot(report)
        if not services.report_autoclose(report_id=report):
            assert self._snapshot(report) == before, "an auto-close that did nothing changed the report"

    @rule()
    def sla_scan(self) -> None:
        """What the periodic SLA task does with every clock that has come due (complaints.tasks)."""
        for deadline in due_actions_here(now=timezone.now(), limit=100):
            services.sla_advance(deadline=deadline)

    @rule(hours=st.sampled_from([1, 20, 24 * 3, 24 * 8, 24 * 16]))
    def time_passes(self, hours: int) -> None:
        self.time.shift(timedelta(hours=hours))

    # --- what must always hold ----------------------------------------------------------------

    @invariant()
    def every_report_is_consistent_and_keeps_its_clocks(self) -> None:
        problems: list[str] = []
        clocks: dict[int, dict[str, datetime]] = {}
        for kind, report_id, due_at in DueDeadline.objects.filter(
            schema_name=self.pemda.schema_name, report_id__in=self.mine, kind__in=CLOCK_KINDS
        ).values_list("kind", "report_id", "due_at"):
            clocks.setdefault(report_id, {})[kind] = due_at
        for report in Report.objects.filter(pk__in=self.mine):
            problems += state_problems(report)
            expected, found = expected_clocks(report), clocks.get(report.pk, {})
            if expected != found:
                problems.append(f"{report.tracking_id} {report.status}: clocks {found}, expected {expected}")
        assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_no_sequence_of_actions_breaks_a_report_or_loses_a_clock(
    jakarta: Pemda, units: JakartaUnits, cast: dict[str, User]
) -> None:
    ReportLife.pemda, ReportLife.units = jakarta, units
    ReportLife.verifikator, ReportLife.officer = cast["vera"], cast["otto"]
    ReportLife.clock = timezone.now()
    run_state_machine_as_test(
        ReportLife,
        settings=settings(
            max_examples=LIFE_EXAMPLES,
            stateful_step_count=LIFE_STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        ),
    )
