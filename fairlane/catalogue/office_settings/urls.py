"""Staff pages under /staff/office-settings/.

Mounted with path("staff/office-settings/", include("fairlane.catalogue.office_settings.urls"))."""

from django.urls import path

from fairlane.catalogue.office_settings import views

app_name = "office_settings"

urlpatterns = [
    path("", views.staff_office_settings, name="list"),
    path("<str:code>/", views.staff_office_setting_edit, name="edit"),
]
