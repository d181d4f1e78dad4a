"""The payer's pages and the gateway's, mounted at /payments/."""

from django.urls import path

from fairlane.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("callback/", views.callback, name="callback"),
    path("gateway/<str:gateway_reference>/", views.gateway_page, name="gateway"),
    path("gateway/<str:gateway_reference>/pay/", views.gateway_decide, {"pay": True}, name="gateway_pay"),
    path(
        "gateway/<str:gateway_reference>/decline/",
        views.gateway_decide,
        {"pay": False},
        name="gateway_decline",
    ),
    path("<str:reference>/", views.order_detail, name="detail"),
    path("<str:reference>/pay/", views.order_pay, name="pay"),
    path("<str:reference>/cancel/", views.order_cancel, name="cancel"),
    path("<str:reference>/receipt.pdf", views.receipt, name="receipt"),
]
