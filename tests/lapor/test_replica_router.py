"""The replica router's rules, without a replica (tests/ha/test_replica.py runs one)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from complaints.models import Report
from lapor import replica
from lapor.replica import ReplicaRouter, reading_from_replica


def test_without_a_replica_every_read_stays_on_the_primary() -> None:
    assert replica.configured() is False
    assert replica.replica_status() == {"configured": False, "ok": False}
    assert replica.replica_lag_seconds() is None
    with reading_from_replica() as on_replica:
        assert on_replica is False
        assert ReplicaRouter().db_for_read(Report) == "default"


def test_writes_go_to_the_primary_even_for_an_object_read_from_the_replica() -> None:
    report = Report()
    report._state.db = "replica"
    assert ReplicaRouter().db_for_write(Report, instance=report) == "default"
    assert ReplicaRouter().allow_migrate("replica", "complaints") is False
    assert ReplicaRouter().allow_migrate("default", "complaints") is None


def test_who_is_signed_in_is_read_on_the_primary_inside_a_replica_view() -> None:
    token = replica._reading.set(True)
    try:
        assert ReplicaRouter().db_for_read(get_user_model()) == "default"
    finally:
        replica._reading.reset(token)
