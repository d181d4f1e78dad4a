"""Public pages under /announcements/, staff pages under /staff/announcements/.

Mounted at the root: path("", include("fairlane.catalogue.announcements.urls"))."""

from django.urls import path

from fairlane.catalogue.announcements import views
from fairlane.catalogue.announcements.feeds import AnnouncementFeed

app_name = "announcements"

urlpatterns = [
    path("announcements/", views.announcement_list, name="list"),
    path("announcements/feed.atom", AnnouncementFeed(), name="feed"),
    path("announcements/<int:announcement_id>/", views.announcement_detail, name="detail"),
    path("staff/announcements/", views.staff_announcement_list, name="staff_list"),
    path("staff/announcements/new/", views.staff_announcement_create, name="staff_create"),
    path("staff/announcements/<int:announcement_id>/", views.staff_announcement_detail, name="staff_detail"),
    path("staff/announcements/<int:announcement_id>/edit/", views.staff_announcement_edit, name="staff_edit"),
]
urlpatterns += [
    path(
        f"staff/announcements/<int:announcement_id>/{action.replace('_', '-')}/",
        views.staff_announcement_transition,
        {"action": action},
        name=f"staff_{action}",
    )
    for action in views.ACTIONS
]
