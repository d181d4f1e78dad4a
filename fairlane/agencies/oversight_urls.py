"""Office staff pages overseeing agencies, under /staff/agencies/: the office's agencies with
their statistics, one agency, and its daily cap, suspension, reinstatement, revocation and
bans."""

from django.urls import path

from fairlane.agencies import oversight_views

app_name = "oversight"

urlpatterns = [
    path("", oversight_views.index, name="index"),
    path("<int:agency_id>/", oversight_views.detail, name="detail"),
    path("<int:agency_id>/daily-cap/", oversight_views.daily_cap, name="daily_cap"),
    path("<int:agency_id>/suspend/", oversight_views.suspend, name="suspend"),
    path("<int:agency_id>/reinstate/", oversight_views.reinstate, name="reinstate"),
    path("<int:agency_id>/revoke/", oversight_views.revoke, name="revoke"),
    path("<int:agency_id>/bans/", oversight_views.ban, name="ban"),
]
