from django.urls import path  # noqa: F401

from fairlane.agencies import authorisation_views  # noqa: F401

app_name = "authorisation"

urlpatterns: list = []
