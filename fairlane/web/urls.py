from django.urls import path

from fairlane.web import views

app_name = "web"

urlpatterns = [
    path("", views.index, name="index"),
    path("home/", views.home, name="home"),
]
