"""The citizen's objections under /violations/objections/."""

from django.urls import path

from fairlane.violations import objection_views

app_name = "objection_urls"

urlpatterns = [
    path("", objection_views.mine, name="mine"),
    path("new/<str:reference>/", objection_views.new, name="new"),
    path("<str:reference>/", objection_views.detail, name="detail"),
    path("<str:reference>/files/<int:position>/", objection_views.evidence, name="evidence"),
]
