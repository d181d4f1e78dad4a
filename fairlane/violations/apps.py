from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "fairlane.violations"
    label = "violations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A paid order for a fine marks the fine paid (see fines.on_fine_paid).
        from fairlane.payments.hooks import on_paid
        from fairlane.payments.hooks import subject_page as payment_subject_page
        from fairlane.violations.fines import SUBJECT_PREFIX, on_fine_paid, subject_page

        on_paid(SUBJECT_PREFIX, on_fine_paid)
        payment_subject_page(SUBJECT_PREFIX, subject_page)
