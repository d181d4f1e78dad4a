from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fairlane.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"
