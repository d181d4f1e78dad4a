"""The citizen's electronic licence and the public verification pages, at the site root."""

from django.urls import path

from fairlane.elicence import views

app_name = "elicence"

urlpatterns = [
    path("licence/electronic/", views.electronic_licence, name="mine"),
    path("licence/electronic/pdf", views.electronic_licence_pdf, name="pdf"),
    path("verify/", views.verify, name="verify"),
    path("verify/key", views.public_key, name="public_key"),
]
