"""Learners and exams: the learner's page under /bookings/exams/ and the office's exam desk
under /staff/exams/ (included at the site root)."""

from django.urls import path

from fairlane.bookings import exam_views

app_name = "exams"

urlpatterns = [
    path("bookings/exams/", exam_views.mine, name="mine"),
    path("staff/exams/", exam_views.staff_home, name="staff_home"),
    path("staff/exams/learners/", exam_views.learner_open, name="learner_open"),
    path("staff/exams/results/", exam_views.result_record, name="result_record"),
]
