from django.urls import path

from fairlane.agencies import views

app_name = "agencies"

urlpatterns = [
    path("hospital/", views.hospital_home, name="hospital_home"),
    path("hospitals/", views.hospital_list, name="hospital_list"),
]
