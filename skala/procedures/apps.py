from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "skala.procedures"
    verbose_name = _("Procedures and notices")

    def ready(self) -> None:
        from skala.procedures import permissions  # noqa: F401  (registers the permission rules)
