"""/agent/<authorisation reference>/: a licensed agent acting for a citizen."""

from django.urls import path

from fairlane.agencies import acting_views

app_name = "acting"

urlpatterns = [
    path("<str:reference>/", acting_views.home, name="home"),
    path("<str:reference>/new/<str:item_code>/", acting_views.application_new, name="new"),
    path("<str:reference>/bookings/", acting_views.booking_create, name="booking"),
    path(
        "<str:reference>/applications/<str:application_reference>/",
        acting_views.application_detail,
        name="application",
    ),
    path(
        "<str:reference>/applications/<str:application_reference>/delivery/",
        acting_views.delivery_choose,
        name="delivery",
    ),
    path(
        "<str:reference>/applications/<str:application_reference>/materials/",
        acting_views.material_upload,
        name="material_upload",
    ),
    path(
        "<str:reference>/applications/<str:application_reference>/materials/<int:material_id>/remove/",
        acting_views.material_remove,
        name="material_remove",
    ),
    path(
        "<str:reference>/applications/<str:application_reference>/checkout/",
        acting_views.checkout,
        name="checkout",
    ),
]
