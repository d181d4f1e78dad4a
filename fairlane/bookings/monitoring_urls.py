"""Monitoring counters of refused and throttled booking requests under /staff/monitoring/."""

from django.urls import path

from fairlane.bookings import monitoring

app_name = "monitoring"

urlpatterns = [
    path("", monitoring.monitoring_home, name="home"),
]
