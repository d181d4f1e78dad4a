from django.apps import AppConfig


class ElicenceConfig(AppConfig):
    name = "fairlane.elicence"
    label = "elicence"
    default_auto_field = "django.db.models.BigAutoField"
