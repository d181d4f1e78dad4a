from django.urls import path  # noqa: F401

from fairlane.agencies import acting_views  # noqa: F401

app_name = "acting"

urlpatterns: list = []
