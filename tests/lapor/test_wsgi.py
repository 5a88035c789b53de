"""The WSGI application leaves start-up's objects out of the garbage collector's walks."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO, process_env

PROBE = "import gc, lapor.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()), gc.isenabled())"


def test_start_up_objects_are_frozen_and_new_ones_still_collected() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=process_env(), cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, tracked, enabled = result.stdout.split()
    # A loaded Django holds some 100,000 tracked objects: all frozen. The collector stays on
    # for what requests make after start-up.
    assert int(frozen) > 50_000
    assert int(tracked) < int(frozen) / 10
    assert enabled == "True"
