"""WSGI entry point: `gunicorn --pythonpath platform,. lapor.wsgi`.

Once the application is built, everything start-up made is moved out of the garbage
collector's sight (`gc.freeze()`, CPython's permanent generation for objects that live as long as
the process):
the modules, settings, URL patterns and models of a fully loaded Django never become garbage,
yet every full collection walked all of them again, 60-70 ms each, every few seconds under load
(measured in a loop of intake requests). Collections of each request's own garbage are unchanged.
"""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lapor.settings")
django.setup(set_prefix=False)

from lapor.lanes import LanedApplication  # noqa: E402 - needs the app registry set up
from lapor.pooler import pooler_require  # noqa: E402

# Behind a PgBouncer in transaction mode Pemda would share a search_path: refuse to serve.
pooler_require()
application = LanedApplication()

gc.collect()  # start-up's own cycles are freed, not frozen
gc.freeze()
