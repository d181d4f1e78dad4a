"""Complaints about agencies, for reviewers and supervisors of the licensing office, under
/staff/agencies/complaints/."""

from django.urls import path

from fairlane.agencies import authorisation_views as views

app_name = "complaint_staff"

urlpatterns = [
    path("", views.complaint_queue, name="queue"),
    path("<str:reference>/decide/", views.complaint_decide, name="decide"),
]
