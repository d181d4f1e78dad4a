from django.urls import path

from fairlane.applications import material_views, views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/<str:item_code>/", views.application_new, name="new"),
    path("<str:reference>/", views.application_detail, name="detail"),
    path("<str:reference>/delivery/", views.delivery_choose_view, name="delivery"),
    path("<str:reference>/checkout/", views.checkout_view, name="checkout"),
    path("<str:reference>/resubmit/", views.resubmit_view, name="resubmit"),
    path("<str:reference>/withdraw/", views.withdraw_view, name="withdraw"),
    path("<str:reference>/rate/", views.rate_view, name="rate"),
    path("<str:reference>/materials/", material_views.material_upload_view, name="material_upload"),
    path(
        "<str:reference>/materials/<int:material_id>/",
        material_views.material_download,
        name="material_download",
    ),
    path(
        "<str:reference>/materials/<int:material_id>/remove/",
        material_views.material_remove_view,
        name="material_remove",
    ),
]
