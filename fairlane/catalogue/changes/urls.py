"""Staff pages under /staff/catalogue/.

Mounted with path("staff/catalogue/", include("fairlane.catalogue.changes.urls"))."""

from django.urls import path

from fairlane.catalogue.changes import views

app_name = "catalogue_changes"

urlpatterns = [
    path("", views.staff_item_list, name="list"),
    path("<str:code>/change/", views.staff_change_create, name="create"),
    path("changes/<int:change_id>/", views.staff_change_detail, name="detail"),
    path("changes/<int:change_id>/edit/", views.staff_change_edit, name="edit"),
]
urlpatterns += [
    path(
        f"changes/<int:change_id>/{action.replace('_', '-')}/",
        views.staff_change_transition,
        {"action": action},
        name=action,
    )
    for action in views.ACTIONS
]
