"""The citizen's violation pages, mounted at /violations/."""

from django.urls import path

from fairlane.violations import citizen_views

app_name = "citizen_urls"

urlpatterns = [
    path("", citizen_views.index, name="index"),
    path("bindings/", citizen_views.binding_list, name="bindings"),
    path("bindings/<int:binding_id>/confirm/", citizen_views.binding_confirm, name="binding_confirm"),
    path("bindings/<int:binding_id>/refuse/", citizen_views.binding_refuse, name="binding_refuse"),
    path("bindings/<int:binding_id>/end/", citizen_views.binding_end, name="binding_end"),
    path("decisions/<str:number>.pdf", citizen_views.decision_pdf, name="decision_pdf"),
    path("decisions/<str:number>/pay/", citizen_views.fine_pay, name="fine_pay"),
    path("<str:reference>/", citizen_views.detail, name="detail"),
    path("<str:reference>/handle/", citizen_views.handle, name="handle"),
    path("<str:reference>/evidence/<int:position>/", citizen_views.evidence, name="evidence"),
]
