from django.urls import path

from fairlane.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue_index, name="index"),
    path("wizard/", views.catalogue_wizard, name="wizard"),
    path("<str:code>/", views.catalogue_guide, name="guide"),
    path("<str:code>/print/", views.catalogue_guide_print, name="guide_print"),
]
