"""Authorisations under /authorisations/: the citizen's, the agent's (agent/) and the
citizen's complaints (complaints/)."""

from django.urls import path

from fairlane.agencies import authorisation_views as views

app_name = "authorisation"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("complaints/", views.complaints_mine, name="complaints"),
    path("agent/", views.agent_list, name="agent_list"),
    path("agent/new/", views.agent_new, name="agent_new"),
    path("agent/<str:reference>/", views.agent_detail, name="agent_detail"),
    path("agent/<str:reference>/close/", views.agent_close, name="agent_close"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/code/", views.code, name="code"),
    path("<str:reference>/confirm/", views.confirm, name="confirm"),
    path("<str:reference>/decline/", views.decline, name="decline"),
    path("<str:reference>/revoke/", views.revoke, name="revoke"),
    path("<str:reference>/fee/", views.fee, name="fee"),
    path("<str:reference>/complaint/", views.complaint, name="complaint"),
]
