"""WSGI entry point: `gunicorn --pythonpath platform,. lapor.wsgi`."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lapor.settings")
django.setup(set_prefix=False)

from lapor.lanes import LanedApplication  # noqa: E402 - needs the app registry set up

application = LanedApplication()
