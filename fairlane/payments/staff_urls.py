"""Staff pages, mounted at /staff/payments/."""

from django.urls import path

from fairlane.payments import staff_views

app_name = "payments_staff"

urlpatterns = [
    path("refunds/", staff_views.refund_list, name="refunds"),
    path("refunds/<int:refund_id>/", staff_views.refund_detail, name="refund"),
    path("orders/<str:reference>/", staff_views.order_detail, name="order"),
]
