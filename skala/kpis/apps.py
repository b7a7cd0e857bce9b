from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "skala.kpis"
    verbose_name = _("Key figures")

    def ready(self) -> None:
        from skala.kpis import permissions  # noqa: F401  (registers the permission rules)
