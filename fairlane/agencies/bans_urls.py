"""The published bans on agencies and their people, under /agencies/bans/ (for everyone)."""

from django.urls import path

from fairlane.agencies import oversight_views

app_name = "bans"

urlpatterns = [
    path("", oversight_views.bans, name="index"),
]
