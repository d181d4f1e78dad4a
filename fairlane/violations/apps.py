from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "fairlane.violations"
    label = "violations"
    default_auto_field = "django.db.models.BigAutoField"
