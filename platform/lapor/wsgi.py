"""WSGI entry point: `gunicorn --pythonpath platform,. lapor.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lapor.settings")

application = get_wsgi_application()
