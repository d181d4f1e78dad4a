"""Public batch pages under /bookings/batches/ and the request form."""

from django.urls import path

from fairlane.bookings import views

app_name = "bookings"

urlpatterns = [
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/published.json", views.batch_published, name="batch_published"),
    path("batches/<int:batch_id>/request/", views.batch_request, name="batch_request"),
]
