from django.urls import path  # noqa: F401 - the views arrive with the booking pages

app_name = "bookings"

urlpatterns: list = []
