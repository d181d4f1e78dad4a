"""Office staff pages for violations under /staff/violations/: search, one violation, the
objection review queue and point-trading signals."""

from django.urls import path

from fairlane.violations import staff_views

app_name = "staff_urls"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("objections/", staff_views.objection_queue, name="objections"),
    path("objections/<str:reference>/decide/", staff_views.objection_decide, name="objection_decide"),
    path(
        "objections/<str:reference>/files/<int:position>/",
        staff_views.objection_evidence,
        name="objection_evidence",
    ),
    path("signals/", staff_views.signals, name="signals"),
    path("signals/<int:licence_id>/", staff_views.signal_detail, name="signal_detail"),
    path("<str:reference>/", staff_views.detail, name="detail"),
    path("<str:reference>/evidence/<int:position>/", staff_views.evidence, name="evidence"),
]
