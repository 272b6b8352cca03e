from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data to click through and call the APIs against: `manage.py seed_demo` (refused under
    production settings). Installed apps add their own demo setup through the core's
    `tvmiddleware.signals.operator_seeded`; nothing in the product imports this app."""

    name = "demo"
    verbose_name = "Demo data"
    default_auto_field = "django.db.models.BigAutoField"
