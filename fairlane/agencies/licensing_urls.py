from django.urls import path

from fairlane.agencies import licensing_views

app_name = "licensing"

urlpatterns = [
    path("", licensing_views.directory_list, name="directory"),
    path("<int:agency_id>/", licensing_views.directory_detail, name="detail"),
    path("apply/", licensing_views.apply, name="apply"),
    path("mine/", licensing_views.mine, name="mine"),
    path("mine/fees/<str:item_code>/", licensing_views.fee_publish, name="fee_publish"),
    path("mine/fees/<str:item_code>/withdraw/", licensing_views.fee_withdraw, name="fee_withdraw"),
    path("mine/members/", licensing_views.member_add, name="member_add"),
    path("mine/members/<int:member_id>/remove/", licensing_views.member_remove, name="member_remove"),
    path("invitations/", licensing_views.invitations, name="invitations"),
    path(
        "invitations/<int:invitation_id>/accept/", licensing_views.invitation_accept, name="invitation_accept"
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        licensing_views.invitation_decline,
        name="invitation_decline",
    ),
]
