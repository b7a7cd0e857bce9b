from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "skala.procedures"
    verbose_name = _("Procedures and notices")

    def ready(self) -> None:
        from skala.procedures import eforms_schema, permissions  # noqa: F401  (registers the rules and checks)
