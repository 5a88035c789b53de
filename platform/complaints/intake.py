"""Intake's writes in one SQL statement: the report, its attachments, its verification clock,
the reporter's notification with its sweep clock, and the audit event.

Every other service writes through the ORM. Intake is the one path every citizen, SMS and app
message takes, and written model by model it cost eight round trips and most of its time in
ORM bookkeeping (see `make bench-intake`). One statement of data-modifying CTEs is atomic on
its own (no BEGIN/COMMIT), and the column lists and values come from the models' own field
definitions, so the statement follows the models. The audit event goes through the same
`complaints_audit_append` function as every other event, so the hash chain has one author.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import psycopg2.errors
from django.conf import settings
from django.db import DatabaseError, connection, models

from complaints.models import Attachment, Notification, Report
from deadlines.models import DeadlineKind, Stage
from deadlines.services import NOTIFY_CLOCK_SQL, REMINDER_LEAD, notify_clock_params

# Fields whose value goes to psycopg2 as the model holds it (PostgreSQL's adapt_* are identity
# for them); any other field, or one with auto_now(_add), takes Django's pre_save/prep path.
_AS_IS = {
    models.CharField,
    models.TextField,
    models.ForeignKey,
    models.DecimalField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.IntegerField,
    models.BigIntegerField,
    models.BooleanField,
}


def passes_as_is(field: Any) -> bool:
    """Whether psycopg2 takes the field's value as the model holds it (no Django preparation)."""
    if isinstance(field, models.DateTimeField) and type(field) is models.DateTimeField:
        return not (field.auto_now or field.auto_now_add)
    return type(field) in _AS_IS


@lru_cache(maxsize=16)
def _fields(model: type[models.Model], exclude: tuple[str, ...]) -> tuple[list[tuple[Any, str, bool]], list[str]]:
    fields = [(f, f.attname, passes_as_is(f)) for f in model._meta.concrete_fields if f.column not in exclude]
    return fields, [connection.ops.quote_name(str(f.column)) for f, _, _ in fields]


# Columns every intake writes with the same value (a new report is unassigned, unanswered, at
# version 1; its confirmation is a pending e-mail). They go into the statement as constants, so
# each request adapts and sends half as many parameters. The statement is keyed by the values
# themselves: should one ever differ, that intake gets a statement of its own, never a wrong row.
_SAME_EVERY_TIME = {
    Report: frozenset(
        {
            "status",
            "unit_id",
            "verified_at",
            "disposed_at",
            "first_response_at",
            "answered_at",
            "closed_at",
            "response_due_at",
            "autoclose_due_at",
            "paused_days_left",
            "deferred_question",
            "archive_reason",
            "rating",
            "rating_comment",
            "merged_into_id",
            "version",
            "identity_purged_at",
        }
    ),
    Notification: frozenset(
        {"channel", "to_reporter", "user_id", "event", "status", "attempts", "last_error", "sent_at"}
    ),
}
_LITERAL_TYPES = (type(None), bool, int, str)
Constants = tuple[tuple[str, Any], ...]


@lru_cache(maxsize=16)
def _plan(
    model: type[models.Model], exclude: tuple[str, ...]
) -> tuple[Any, list[tuple[int, Any]], list[tuple[int, str]]]:
    """How to read a row of `model` fast: one attrgetter for every field (in field order), the
    positions that need Django's preparation, and the positions (and names) that may be constants."""
    fields = _fields(model, exclude)[0]
    same = _SAME_EVERY_TIME.get(model, frozenset())
    getter = operator.attrgetter(*[attname for _f, attname, _ in fields])
    prepared = [(i, f) for i, (f, _a, as_is) in enumerate(fields) if not as_is]
    maybe_constant = [(i, attname) for i, (_f, attname, _) in enumerate(fields) if attname in same]
    return getter, prepared, maybe_constant


@lru_cache(maxsize=8)
def _blank(model: type[models.Model]) -> tuple[list[Any], dict[str, int], list[tuple[int, Any]]]:
    """Every concrete field's default in field order, each attname's position, and the fields
    whose default is made per row (a callable)."""
    fields = model._meta.concrete_fields
    made = [(i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]
    blank = [None if (i, f) in made else f.get_default() for i, f in enumerate(fields)]
    return blank, {f.attname: i for i, f in enumerate(fields)}, made


def model_new(model: type[models.Model], values: dict[str, Any]) -> Any:
    """`model(**values)` (values by attname) built the way Django builds rows it loads: positionally.

    Model.__init__ with keywords looks up each of a report's 40 fields by name and calls its
    default; positionally it only assigns. For a report that is 22 against 6.5 µs on its own,
    and about three times that inside a request.
    """
    blank, position, made = _blank(model)
    args = blank.copy()
    for i, field in made:
        args[i] = field.get_default()
    for attname, value in values.items():
        args[position[attname]] = value
    return model(*args)


def _split(obj: models.Model, exclude: tuple[str, ...]) -> tuple[Constants, list[Any]]:
    """(the same-every-time columns' values, the parameters of the rest), in field order."""
    getter, prepared, maybe_constant = _plan(type(obj), exclude)
    got = getter(obj)
    values = list(got) if isinstance(got, tuple) else [got]  # attrgetter of one name gives the value
    for i, f in prepared:
        values[i] = f.get_db_prep_save(f.pre_save(obj, True), connection)
    constants: list[tuple[str, Any]] = []
    constant_at: set[int] = set()
    for i, attname in maybe_constant:
        value = values[i]
        if isinstance(value, _LITERAL_TYPES):
            constants.append((attname, str(value) if isinstance(value, str) else value))  # choices -> str
            constant_at.add(i)
    return tuple(constants), [v for i, v in enumerate(values) if i not in constant_at]


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"  # standard_conforming_strings (PostgreSQL's default)


def _values(model: type[models.Model], exclude: tuple[str, ...], constants: Constants) -> str:
    fixed = dict(constants)
    return ", ".join(
        _literal(fixed[attname]) if attname in fixed else "%s" for _f, attname, _ in _fields(model, exclude)[0]
    )


@dataclass
class Also:
    """More rows another app writes in the intake's own statement (the SMS channel: the message's
    outcome, the reply and its clock), so that the Pemda's audit-chain lock the statement takes
    is held until commit, not across more round trips. Each CTE may read the report's row as `r`
    (r.id); `selects` are expressions whose values come back in `values`."""

    ctes: tuple[str, ...]
    params: list[Any]
    selects: tuple[str, ...] = ()
    values: tuple[Any, ...] = ()


# Called with the report (its tracking ID drawn) before each attempt of the statement.
AlsoMaker = Callable[[Report], "Also | None"]


@lru_cache(maxsize=32)
def _insert_sql(
    attachments: int,
    report_constants: Constants,
    notification_constants: Constants | None,
    also_ctes: tuple[str, ...] = (),
    also_selects: tuple[str, ...] = (),
) -> tuple[str, str]:
    """(prepared-statement name, statement) for one shape of intake (attachments, notification,
    constant columns)."""
    report_cols = _fields(Report, ("id",))[1]
    ctes = [
        f"r AS (INSERT INTO complaints_report ({', '.join(report_cols)})"
        f" VALUES ({_values(Report, ('id',), report_constants)})"
        # A tracking ID that meets an old one writes nothing and returns no row (the caller draws
        # again): no error, so no savepoint is needed inside a caller's transaction.
        " ON CONFLICT (tracking_id) DO NOTHING RETURNING id, submitted_at, verify_due_at)",
        # The clock in the public index: the Pemda is the statement's own schema, and each value
        # that repeats one of the report's is taken from the row just written, not sent again.
        "d AS (INSERT INTO deadlines_duedeadline (schema_name, report_id, kind, due_at, stage, next_action_at)"
        f" SELECT current_schema(), r.id, {_literal(str(DeadlineKind.VERIFY))}, r.verify_due_at,"
        f" {int(Stage.PENDING)}, r.verify_due_at - interval '{int(REMINDER_LEAD.total_seconds())} seconds' FROM r)",
    ]
    if attachments:
        fields, cols = _fields(Attachment, ("id", "report_id"))
        # Typed placeholders: rows of a VALUES list do not take their types from the target.
        row = f"({', '.join(f'%s::{f.db_type(connection)}' for f, _, _ in fields)})"
        ctes.append(
            f"a AS (INSERT INTO complaints_attachment (report_id, {', '.join(cols)})"
            f" SELECT r.id, x.* FROM r, (VALUES {', '.join([row] * attachments)}) AS x ({', '.join(cols)}))"
        )
    notification_select = "NULL::bigint"
    if notification_constants is not None:
        cols = _fields(Notification, ("id", "report_id"))[1]
        ctes.append(
            f"n AS (INSERT INTO complaints_notification (report_id, {', '.join(cols)})"
            f" SELECT r.id, {_values(Notification, ('id', 'report_id'), notification_constants)} FROM r"
            " RETURNING id)"
        )
        ctes.append(f"c AS ({NOTIFY_CLOCK_SQL})")
        notification_select = "(SELECT id FROM n)"
    ctes += also_ctes
    sql = (
        f"WITH {', '.join(ctes)} SELECT r.id, {notification_select},"
        " complaints_audit_append(r.submitted_at, NULL, 'pelapor', r.id, 'submitted', %s::jsonb)"
        f"{''.join(', ' + expr for expr in also_selects)} FROM r"
    )
    return f"lapor_intake_{abs(hash(sql)):x}", sql


@lru_cache(maxsize=32)
def _numbered(sql: str) -> str:
    """The statement with PostgreSQL's $1, $2, … in place of psycopg2's %s, for PREPARE."""
    counter = iter(range(1, 10_000))
    return re.sub("%s", lambda _m: f"${next(counter)}", sql)


def _execute(cursor: Any, name: str, sql: str, params: list[Any]) -> None:
    """Run `sql` as the session's prepared statement `name` (prepared on first use).

    Parsing and planning the five-table statement was a fifth of its cost in PostgreSQL. The
    parameter types come from the target columns. A prepared statement lives as long as the
    server session and survives a rollback; PostgreSQL re-parses it when the search_path (the
    tenant) differs from its last use, so each tenant's rows land in that tenant's schema.
    `DB_PREPARED_STATEMENTS=0` turns this off (needed behind a transaction-pooling PgBouncer).
    """
    if not settings.DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    prepared = connection.prepared_statements  # type: ignore[attr-defined]
    prepare = f"PREPARE {name} AS {_numbered(sql)}"
    execute = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})"
    if name not in prepared:
        cursor.execute(prepare)
        prepared.add(name)
    try:
        cursor.execute(execute, params)
    except DatabaseError as exc:
        # The session lost it behind our back (DISCARD ALL by a pooler, DEALLOCATE): prepare it
        # again and retry once, where a failed statement has not aborted a transaction.
        if not isinstance(exc.__cause__, psycopg2.errors.InvalidSqlStatementName) or connection.in_atomic_block:
            raise
        cursor.execute(prepare)
        cursor.execute(execute, params)


def report_insert(
    *,
    report: Report,
    attachments: list[Attachment],
    notification: Notification | None,
    notify_sweep_at: datetime,
    audit_data: dict[str, Any],
    also: Also | None = None,
) -> tuple[int, int | None] | None:
    """Insert everything a new report brings; returns (report id, notification id or None), or
    None when the report's tracking ID is already taken (nothing is written then, `also`'s rows
    neither). `also`'s selected values are left in `also.values`."""
    report_constants, params = _split(report, ("id",))
    for attachment in attachments:
        params += _split(attachment, ("id", "report_id"))[1]
    notification_constants = None
    if notification is not None:
        notification_constants, notification_params = _split(notification, ("id", "report_id"))
        params += notification_params
        params += notify_clock_params(at=notify_sweep_at)
    if also is not None:
        params += also.params
    params.append(json.dumps(audit_data))
    name, sql = _insert_sql(
        len(attachments),
        report_constants,
        notification_constants,
        also.ctes if also is not None else (),
        also.selects if also is not None else (),
    )
    with connection.cursor() as cursor:
        _execute(cursor, name, sql, params)
        row = cursor.fetchone()
    if row is None:
        return None  # the tracking ID is taken: nothing was written
    report_id, notification_id, _event = row[:3]
    if also is not None:
        also.values = tuple(row[3:])
    report.pk = report_id
    report._state.adding = False
    return int(report_id), notification_id
