from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "fairlane.applications"
    label = "applications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A paid fee submits its application (see services.on_fee_paid).
        from fairlane.applications.services import on_fee_paid, subject_page
        from fairlane.payments.hooks import on_paid
        from fairlane.payments.hooks import subject_page as payment_subject_page

        on_paid("application:", on_fee_paid)
        payment_subject_page("application:", subject_page)
