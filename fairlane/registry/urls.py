from django.urls import path

from fairlane.registry import views

app_name = "registry"

urlpatterns = [
    path("licences/", views.staff_licence_list, name="staff_licence_list"),
    path("licences/<int:licence_id>/", views.staff_licence_detail, name="staff_licence_detail"),
]
