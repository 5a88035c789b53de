"""Render deploy/nginx/*.template with the LAPOR_* variables, as envsubst would.

    python -m deploy.nginx.render OUT_DIR      # every template, values from the environment

Only `$LAPOR_NAME` and `${LAPOR_NAME}` are replaced (nginx's lowercase variables stay), the same
set the official nginx image's envsubst fills with NGINX_ENVSUBST_FILTER=^LAPOR_. A variable
neither set nor given a default below stops the rendering with its name.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent

DEFAULTS = {
    "LAPOR_BASE_DOMAIN": "lapor.go.id",
    "LAPOR_UPSTREAM": "127.0.0.1:8000",
    "LAPOR_HTTP_PORT": "80",
    "LAPOR_HTTPS_PORT": "443",
    "LAPOR_STATIC_ROOT": "/srv/lapor/var/static",
    "LAPOR_TLS_DIR": "/etc/lapor/tls",
    "LAPOR_ACME_ROOT": "/var/lib/lapor/acme",
    "LAPOR_CLIENT_MAX_BODY": "32m",
}

_VARIABLE = re.compile(r"\$(?:\{(LAPOR_[A-Z0-9_]+)\}|(LAPOR_[A-Z0-9_]+))")


def render(text: str, values: Mapping[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        value = values.get(name, DEFAULTS.get(name))
        if value is None:
            raise KeyError(f"{name} is not set and has no default")
        return value

    return _VARIABLE.sub(fill, text)


def render_all(out_dir: Path, values: Mapping[str, str]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template in sorted(HERE.glob("*.template")):
        target = out_dir / template.name.removesuffix(".template")
        target.write_text(render(template.read_text(), values))
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        for path in render_all(Path(argv[0]), os.environ):
            print(path)
    except KeyError as exc:
        print(f"render: {exc.args[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
