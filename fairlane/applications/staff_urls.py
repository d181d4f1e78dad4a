from django.urls import path

from fairlane.applications import staff_views

app_name = "applications_staff"

urlpatterns = [
    path("", staff_views.staff_queue, name="queue"),
    path("availability/", staff_views.staff_availability, name="availability"),
    path("rectifications/", staff_views.rectification_list, name="rectifications"),
    path("rectifications/<int:task_id>/", staff_views.rectification_detail, name="rectification"),
    path(
        "rectifications/<int:task_id>/<str:action>/",
        staff_views.rectification_act,
        name="rectification_act",
    ),
    path("<str:reference>/", staff_views.staff_detail, name="detail"),
    path("<str:reference>/<str:action>/", staff_views.staff_act, name="act"),
]
