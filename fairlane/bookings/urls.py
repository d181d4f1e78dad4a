"""Booking pages under /bookings/: public batch pages and the request form, where a
catalogue item can be booked, one service's places, and the person's own bookings."""

from django.urls import path

from fairlane.bookings import citizen_views, views

app_name = "bookings"

urlpatterns = [
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/published.json", views.batch_published, name="batch_published"),
    path("batches/<int:batch_id>/request/", views.batch_request, name="batch_request"),
    path("pow/challenge/", views.pow_challenge_json, name="pow_challenge"),
    path("start/<str:item_code>/", citizen_views.booking_start, name="start"),
    path("service/<int:service_id>/", citizen_views.service_detail, name="service"),
    path("mine/", citizen_views.my_bookings, name="mine"),
    path("mine/<int:booking_id>/", citizen_views.booking_detail, name="booking_detail"),
    path("mine/<int:booking_id>/cancel/", citizen_views.booking_cancel_confirm, name="booking_cancel"),
]
