"""Settings package: `base` (everything shared), `local` (default), `test`, `production`.

Importing this package also loads the Celery app, so `celery -A settings worker` finds it and
`shared_task` functions bind to it.
"""
from .celery import app as celery_app

__all__ = ("celery_app",)
