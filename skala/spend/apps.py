from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpendConfig(AppConfig):
    name = "skala.spend"
    verbose_name = _("Spend and the supplier base")

    def ready(self) -> None:
        from skala.spend import permissions  # noqa: F401  (registers the permission rules)
