"""The project's settings plus one extra tenant app: "a new migration" for upgrade tests and the bench."""

from lapor.settings import *  # noqa: F403
from lapor.settings import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.tenants.probe_app"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenants.probe_app"]
