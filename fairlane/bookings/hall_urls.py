"""The hall on the visit day under /hall/: check-in desk, counters, the public call screen and wait estimates."""

from django.urls import path

from fairlane.bookings import hall_views

app_name = "hall"

# desk/ and counter/ come first: an office code never shadows them.
urlpatterns = [
    path("desk/", hall_views.desk, name="desk"),
    path("counter/", hall_views.counter, name="counter"),
    path("counter/<slug:action>/", hall_views.counter_act, name="counter_act"),
    path("<str:office_code>/screen/", hall_views.screen, name="screen"),
    path("<str:office_code>/", hall_views.status, name="status"),
]
