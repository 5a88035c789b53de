"""Configuration only by environment, each variable also from a file (NAME_FILE), all documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from lapor.env import env_int, env_list, env_str
from tests.helpers import REPO, process_env


def test_a_variable_is_read_from_the_file_its_FILE_variant_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("rahasia-dari-berkas\n")
    monkeypatch.delenv("LAPOR_UJI", raising=False)
    monkeypatch.setenv("LAPOR_UJI_FILE", str(secret))
    assert env_str("LAPOR_UJI") == "rahasia-dari-berkas"  # one trailing newline dropped
    (tmp_path / "n").write_text("42")
    monkeypatch.setenv("LAPOR_ANGKA_FILE", str(tmp_path / "n"))
    assert env_int("LAPOR_ANGKA", 1) == 42
    (tmp_path / "keys").write_text("a,b\n")
    monkeypatch.setenv("LAPOR_KUNCI_FILE", str(tmp_path / "keys"))
    assert env_list("LAPOR_KUNCI", []) == ["a", "b"]


def test_both_a_variable_and_its_file_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s").write_text("x")
    monkeypatch.setenv("LAPOR_UJI", "y")
    monkeypatch.setenv("LAPOR_UJI_FILE", str(tmp_path / "s"))
    with pytest.raises(ImproperlyConfigured, match="LAPOR_UJI or LAPOR_UJI_FILE"):
        env_str("LAPOR_UJI")


def test_a_missing_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAPOR_UJI", raising=False)
    monkeypatch.setenv("LAPOR_UJI_FILE", str(tmp_path / "tidak-ada"))
    with pytest.raises(ImproperlyConfigured, match="LAPOR_UJI_FILE"):
        env_str("LAPOR_UJI")


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check", "--deploy", "--fail-level", "ERROR"],
        env=process_env(**env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_starts_with_its_secrets_in_files(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text(Fernet.generate_key().decode() * 2 + "\n")
    (tmp_path / "identity_keys").write_text(Fernet.generate_key().decode() + "\n")
    without = _check(LAPOR_LOCAL="0", DJANGO_SECRET_KEY="", LAPOR_IDENTITY_KEYS="")
    assert without.returncode != 0
    assert "DJANGO_SECRET_KEY" in without.stderr
    env = {"LAPOR_LOCAL": "0", "DJANGO_SECRET_KEY_FILE": str(tmp_path / "secret_key")}
    env["LAPOR_IDENTITY_KEYS_FILE"] = str(tmp_path / "identity_keys")
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check"],
        env={k: v for k, v in process_env(**env).items() if k not in ("DJANGO_SECRET_KEY", "LAPOR_IDENTITY_KEYS")},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


_READERS = re.compile(
    r"""(?:env_(?:str|bool|int|list|url)|_rate_or_none|_int|os\.environ\.get|os\.environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def _variables_read() -> set[str]:
    roots = [REPO / "platform", REPO / "tenants", REPO / "national_hub", REPO / "sync"]
    files = [path for root in roots for path in root.rglob("*.py")]
    files += [REPO / "deploy" / "production" / "gunicorn.conf.py", REPO / "deploy" / "local.py"]
    found = set()
    for path in files:
        found |= set(_READERS.findall(path.read_text()))
    return found - {"DJANGO_SETTINGS_MODULE"}


def test_every_variable_the_code_reads_is_documented() -> None:
    documented = (REPO / "deploy" / "README.md").read_text()
    variables = _variables_read()
    assert len(variables) > 60
    missing = sorted(name for name in variables if f"`{name}`" not in documented)
    assert missing == [], f"not in deploy/README.md's list: {missing}"


def test_lapor_manage_runs_manage_py_with_the_env_file_and_the_secrets(tmp_path: Path) -> None:
    """deploy/production/lapor-manage, the operator's entry to manage.py (as the current user here)."""
    import getpass

    (tmp_path / "secrets").mkdir()
    (tmp_path / "env").write_text("LAPOR_LOCAL=0\nLAPOR_BASE_DOMAIN=lapor.test\n")
    (tmp_path / "secrets" / "django_secret_key").write_text(Fernet.generate_key().decode() * 2 + "\n")
    (tmp_path / "secrets" / "identity_keys").write_text(Fernet.generate_key().decode() + "\n")
    env = process_env(LAPOR_ETC=str(tmp_path), LAPOR_HOME=str(REPO), LAPOR_USER=getpass.getuser())
    for name in ("DJANGO_SECRET_KEY", "LAPOR_IDENTITY_KEYS", "LAPOR_LOCAL", "LAPOR_BASE_DOMAIN"):
        env.pop(name, None)
    script = REPO / "deploy" / "production" / "lapor-manage"
    code = "from django.conf import settings; print(settings.BASE_DOMAIN, len(settings.LAPOR_IDENTITY_KEYS))"
    result = subprocess.run([str(script), "shell", "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["lapor.test", "1"]
    (tmp_path / "secrets" / "identity_keys").unlink()
    refused = subprocess.run([str(script), "check"], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    assert "LAPOR_IDENTITY_KEYS" in refused.stderr


def test_an_unknown_pooler_is_named() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check"],
        env=process_env(LAPOR_DB_POOLER="pgbouncer-transaction"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "LAPOR_DB_POOLER must be none or pgbouncer-session" in result.stderr
