from django.urls import path

from fairlane.agencies import licensing_staff_views

app_name = "licensing_staff"

urlpatterns = [
    path("", licensing_staff_views.queue, name="queue"),
    path("<int:agency_id>/", licensing_staff_views.agency, name="agency"),
    path("fee-caps/", licensing_staff_views.fee_caps, name="fee_caps"),
]
