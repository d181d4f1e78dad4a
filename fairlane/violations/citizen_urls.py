from django.urls import path  # noqa: F401

app_name = "citizen_urls"
urlpatterns: list = []
