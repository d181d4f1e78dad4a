from django.urls import path  # noqa: F401

from fairlane.agencies import licensing_views  # noqa: F401

app_name = "licensing"

urlpatterns: list = []
