"""The citizen's pages under /violations/: their violations and bindings, objections and
point-reduction study."""

from django.urls import include, path

urlpatterns = [
    path("objections/", include("fairlane.violations.objection_urls")),
    path("study/", include("fairlane.violations.study_urls")),
    path("", include("fairlane.violations.citizen_urls")),
]
