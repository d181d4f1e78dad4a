"""Strikes and appeals: the person's pages under /bookings/strikes/ and the office's under /staff/bookings/appeals/."""

from django.urls import path

from fairlane.bookings import appeal_views

app_name = "appeals"

urlpatterns = [
    path("bookings/strikes/", appeal_views.mine, name="mine"),
    path("bookings/strikes/<int:strike_id>/appeal/", appeal_views.appeal_send, name="appeal_send"),
    path("staff/bookings/appeals/", appeal_views.staff_list, name="staff_list"),
    path(
        "staff/bookings/appeals/<int:appeal_id>/decision/", appeal_views.appeal_decide, name="appeal_decide"
    ),
]
