"""The citizen's point-reduction study under /violations/study/."""

from django.urls import path

from fairlane.violations import study_views

app_name = "study_urls"
urlpatterns = [
    path("", study_views.index, name="index"),
    path("start/", study_views.start, name="start"),
    path("sessions/<int:session_id>/", study_views.session, name="session"),
    path("sessions/<int:session_id>/heartbeat/", study_views.heartbeat, name="heartbeat"),
    path("sessions/<int:session_id>/quiz/", study_views.quiz_start, name="quiz_start"),
    path("sessions/<int:session_id>/answers/", study_views.answers, name="answers"),
    path("sessions/<int:session_id>/result/", study_views.result, name="result"),
]
