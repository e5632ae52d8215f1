from django.apps import AppConfig


class PassbookConfig(AppConfig):
    name = "passbook"
    verbose_name = "Passbook"
    default_auto_field = "django.db.models.BigAutoField"
