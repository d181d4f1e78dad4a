from django.contrib import admin
from django.urls import include, path

from fairlane.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("fairlane.accounts.urls")),
    path("staff/", include("fairlane.registry.urls")),
    path("staff/catalogue/", include("fairlane.catalogue.changes.urls")),
    path("staff/office-settings/", include("fairlane.catalogue.office_settings.urls")),
    path("services/", include("fairlane.catalogue.urls")),
    path("offices/", include("fairlane.catalogue.directory.urls")),
    path("applications/", include("fairlane.applications.urls")),
    path("staff/applications/", include("fairlane.applications.staff_urls")),
    path("bookings/", include("fairlane.bookings.urls")),
    path("staff/bookings/", include("fairlane.bookings.staff_urls")),
    path("staff/monitoring/", include("fairlane.bookings.monitoring_urls")),
    path("hall/", include("fairlane.bookings.hall_urls")),
    path("", include("fairlane.bookings.appeal_urls")),
    path("", include("fairlane.bookings.exam_urls")),
    path("violations/", include("fairlane.violations.urls")),
    path("staff/violations/", include("fairlane.violations.staff_url_root")),
    path("payments/", include("fairlane.payments.urls")),
    path("staff/payments/", include("fairlane.payments.staff_urls")),
    path("notifications/", include("fairlane.notifications.urls")),
    path("", include("fairlane.elicence.urls")),
    path("", include("fairlane.agencies.urls")),
    # Licensed agencies (issue 7): the directory and an agency's own pages (licensing), the
    # citizen's and agent's authorisations, acting for a citizen, the office's oversight.
    path("agencies/bans/", include("fairlane.agencies.bans_urls")),
    path("agencies/", include("fairlane.agencies.licensing_urls")),
    path("authorisations/", include("fairlane.agencies.authorisation_urls")),
    path("agent/", include("fairlane.agencies.acting_urls")),
    path("staff/agencies/licensing/", include("fairlane.agencies.licensing_staff_urls")),
    path("staff/agencies/complaints/", include("fairlane.agencies.complaint_staff_urls")),
    path("staff/agencies/", include("fairlane.agencies.oversight_urls")),
    path("", include("fairlane.catalogue.announcements.urls")),
    path("", include("fairlane.web.urls")),
]
