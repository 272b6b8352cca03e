"""The Celery application. Broker and behaviour come from Django settings (`CELERY_*`).

`celery -A settings worker|beat` is a production entry point, so it defaults to
`settings.production` like the WSGI/ASGI entry points (the development default runs tasks
in-process and needs no worker). This module is imported with the `settings` package, so this
default is also the one any importer of `settings.wsgi` / `settings.asgi` sees first.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")

app = Celery("tvmiddleware")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
