"""platform/ is a source root, not a package: the stdlib `platform` module must win."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_platform_is_the_stdlib_module_under_project_settings(settings: object) -> None:
    import platform

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    # If platform/ ever became a package, uuid/celery/pytest would import our folder instead.
    assert Path(platform.__file__).resolve().parent == stdlib
    assert platform.system() == "Linux"
    assert platform.python_version().startswith("3.11")


def test_platform_folder_has_no_init() -> None:
    assert not (REPO / "platform" / "__init__.py").exists()


def test_manage_py_process_sees_stdlib_platform() -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "shell", "-c", "import platform, uuid; print(platform.system())"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "Linux"
