from django.urls import path  # noqa: F401

app_name = "window_urls"
urlpatterns: list = []
