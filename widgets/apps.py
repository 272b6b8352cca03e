from django.apps import AppConfig


class WidgetsConfig(AppConfig):
    """Widgets operators embed on their website (`/widgets/api/get/<id>`), set up in the panel."""

    name = "widgets"
    verbose_name = "Website widgets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.services.staff import register_operator_app

        register_operator_app(self.label)
