from django.apps import AppConfig


class SvodPartnersConfig(AppConfig):
    """Generic SVOD partner adapters (Start, PREMIER) configured by attributes."""

    name = "svod_partners"
    verbose_name = "SVOD partners (Start, PREMIER)"
    default_auto_field = "django.db.models.BigAutoField"
