from django.urls import path  # noqa: F401

from fairlane.agencies import oversight_views  # noqa: F401

app_name = "oversight"

urlpatterns: list = []
