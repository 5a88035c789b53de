"""LAPOR! Federation Django project: settings, URL confs, Celery app and health endpoints."""

from lapor.celery import app as celery_app

__all__ = ["celery_app"]
