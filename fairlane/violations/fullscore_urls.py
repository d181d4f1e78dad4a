"""Office staff: full-score studies under /staff/violations/full-score/."""

from django.urls import path

from fairlane.violations import fullscore_views

app_name = "fullscore_urls"
urlpatterns = [
    path("", fullscore_views.study_list, name="list"),
    path("<int:study_id>/record/", fullscore_views.study_record, name="record"),
    path("<int:study_id>/close/", fullscore_views.study_close, name="close"),
]
