from django.apps import AppConfig


class MigrationToolsConfig(AppConfig):
    name = "migration_tools"
    verbose_name = "Data migration tools"
    default_auto_field = "django.db.models.BigAutoField"
