"""Office staff pages for bookings under /staff/bookings/: publishing slots, opening batches, the day's bookings."""

from django.urls import path

from fairlane.bookings import exam_site_views, staff_views

app_name = "bookings_staff"

urlpatterns = [
    path("", staff_views.staff_home, name="home"),
    path("exam-sites/", exam_site_views.exam_sites_page, name="exam_sites"),
    path("services/<int:service_id>/slots/", staff_views.slots_publish_page, name="slots"),
    path("services/<int:service_id>/batches/new/", staff_views.batch_open_page, name="batch_open"),
    path("services/<int:service_id>/day/", staff_views.day_page, name="day"),
    path("batches/<int:batch_id>/", staff_views.batch_page, name="batch"),
    path("bookings/<int:booking_id>/no-show/", staff_views.no_show_record, name="no_show"),
    path("bookings/<int:booking_id>/strike/", staff_views.strike_add, name="strike"),
]
