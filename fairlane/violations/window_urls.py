"""Deciding a violation at a window, mounted at /staff/violations/window/."""

from django.urls import path

from fairlane.violations import window_views

app_name = "window_urls"

urlpatterns = [
    path("", window_views.find, name="find"),
    path("<str:reference>/", window_views.decide, name="decide"),
]
