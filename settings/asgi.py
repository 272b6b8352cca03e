"""ASGI entry point: `uvicorn settings.asgi:application` (or any ASGI server).

Defaults to `settings.production` (see settings/wsgi.py).
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.production")
application = get_asgi_application()
