"""The container files, read as an operator's `docker compose up` would need them to be.

Docker itself is not run here (no daemon on this machine, see deploy/README.md): these checks
catch what would stop the stack at start, a secret a service reads but is not given, a command
that does not exist, a template variable nobody sets.
"""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import get_commands

from deploy.nginx.render import DEFAULTS, HERE, render
from tests.helpers import REPO

DEPLOY = REPO / "deploy"


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_starts_every_part_of_the_stack() -> None:
    services = _compose()["services"]
    for name in ("postgres", "rabbitmq", "redis", "web", "worker", "beat", "sweeper", "nginx", "migrate"):
        assert name in services, name
    for name in ("web", "worker", "beat", "sweeper"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_every_secret_a_service_reads_is_mounted_and_declared() -> None:
    compose = _compose()
    declared = set(compose["secrets"])
    for spec in compose["secrets"].values():
        assert spec["file"].startswith("./secrets/")
    env_example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "compose.env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    for name, service in compose["services"].items():
        env = {**(service.get("environment") or {})}
        if service.get("env_file"):
            env.update(env_example)
        mounted = set(service.get("secrets") or [])
        assert mounted <= declared, name
        for key, value in env.items():
            if key.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                assert str(value).removeprefix("/run/secrets/") in mounted, (name, key)


def test_compose_and_image_commands_exist() -> None:
    commands = get_commands()
    files = ((DEPLOY / "compose.yaml").read_text() + (DEPLOY / "Dockerfile").read_text()).splitlines()
    text = "\n".join(line for line in files if not line.lstrip().startswith("#"))
    used = set(re.findall(r"manage\.py[\"',\s]+([a-z_]+)", text))
    assert {"upgrade_check", "broker_prepare", "migrate_schemas", "upgrade_tenants", "sync_sweeper"} <= used
    for command in used:
        assert command in commands, command
    for path in re.findall(r"deploy/[\w./-]+", text):
        assert (REPO / path).exists(), path


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "production").glob("*.service")))
def test_units_hand_every_secret_over_as_a_credential(unit: str) -> None:
    text = (DEPLOY / "production" / unit).read_text()
    credentials = set(re.findall(r"^LoadCredential=(\w+):", text, re.M))
    used = set(re.findall(r"_FILE=%d/(\w+)", text))
    assert used and used == credentials


def test_the_nginx_template_is_filled_completely_and_leaves_nginx_variables_alone() -> None:
    template = (HERE / "lapor.conf.template").read_text()
    names = set(re.findall(r"\$\{(LAPOR_[A-Z0-9_]+)\}", template))
    assert names <= set(DEFAULTS), names - set(DEFAULTS)
    rendered = render(template, {"LAPOR_BASE_DOMAIN": "lapor.test"})
    assert "${" not in rendered and "$LAPOR_" not in rendered
    assert "server_name lapor.test *.lapor.test;" in rendered
    for nginx_variable in ("$host", "$request_uri", "$proxy_add_x_forwarded_for", "$scheme", "$ssl_server_name"):
        assert nginx_variable in rendered
    with pytest.raises(KeyError, match="LAPOR_NOT_SET"):
        render("listen ${LAPOR_NOT_SET};", {})


def test_the_image_renders_the_same_template() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "COPY deploy/nginx/lapor.conf.template /etc/nginx/templates/lapor.conf.template" in dockerfile
    assert "NGINX_ENVSUBST_FILTER=^LAPOR_" in dockerfile
