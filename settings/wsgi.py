"""WSGI entry point: `gunicorn -c gunicorn.conf.py settings.wsgi:application`.

Defaults to `settings.production`, which refuses to start without its environment variables: a
production server never falls back to DEBUG or to a development key. Set DJANGO_SETTINGS_MODULE
explicitly to serve another configuration.
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")
application = get_wsgi_application()
