"""A real site for browser tests: its own database, gunicorn, the sync sweeper, and Debian's Chromium
driven by Playwright (the system browser; Playwright downloads none).

Every page a test visits is checked for JavaScript console errors; `audit(page)` runs axe-core
(axe-playwright-python, bundled with the package) and returns the serious and critical
violations. Screenshots go to var/screenshots/ (outside the repository) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.bench.common import drop_database, fresh_database
from tests.helpers import REPO, free_port, process_env
from tests.sync.federation import Deployment

CHROMIUM = Path(os.environ.get("LAPOR_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = REPO / "var" / "screenshots"
PASSWORD = "sandi-uji-123"  # the federation setup's officers


def browser_or_skip() -> None:
    """Skip where Chromium is absent, unless CI demands it (LAPOR_REQUIRE_BROWSER=1 in .ci/run)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (Debian's chromium; .ci/run installs it)"
        if os.environ.get("LAPOR_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Site:
    deployment: Deployment
    port: int
    console_errors: list[str] = field(default_factory=list)

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"


@contextmanager
def running_site(base_url: str, name: str, pemda: list[str], **extra_env: str) -> Iterator[Site]:
    url = fresh_database(base_url, name)
    var = REPO / "var" / f"test-{name}"
    shutil.rmtree(var, ignore_errors=True)
    env = process_env(DATABASE_URL=url, LAPOR_VAR_DIR=str(var), LAPOR_LOG_LEVEL="WARNING", **extra_env)
    deployment = Deployment(name=name, database_url=url, env=env, port=free_port())
    try:
        deployment.manage("migrate_schemas", "--shared", "--verbosity", "0")
        subprocess.run(
            [sys.executable, "-m", "tests.sync.federation", json.dumps({"pemda": pemda})], env=env, cwd=REPO, check=True
        )
        deployment.manage("collectstatic", "--noinput", "--verbosity", "0")
        deployment.web()
        deployment.sweeper()
        yield Site(deployment=deployment, port=deployment.port)
    finally:
        deployment.stop_all()
        drop_database(base_url, name)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # As root on a closed network: no sandbox, and no background calls to Google's hosts.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def watch_console(page: Any, errors: list[str]) -> None:
    """Collect JavaScript errors (console errors and uncaught exceptions) of every page.

    A page's own status (a form sent back with its errors as 400, the 404 page) is logged by
    Chromium as a failed resource; that is the answer the test asked for, not an error of the page.
    """

    def console(msg: Any) -> None:
        own_status = msg.text.startswith("Failed to load resource") and msg.location.get("url") == page.url
        if msg.type == "error" and not own_status:
            errors.append(f"{page.url}: {msg.text}")

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))


def audit(page: Any) -> list[str]:
    """axe-core's serious and critical violations of the page as it stands, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
