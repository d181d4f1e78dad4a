from django.urls import path  # noqa: F401

app_name = "fullscore_urls"
urlpatterns: list = []
