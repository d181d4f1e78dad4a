"""Office staff pages under /staff/violations/."""

from django.urls import include, path

urlpatterns = [
    path("full-score/", include("fairlane.violations.fullscore_urls")),
    path("window/", include("fairlane.violations.window_urls")),
    path("", include("fairlane.violations.staff_urls")),
]
