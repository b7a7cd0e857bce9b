from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "skala.portfolio"
    verbose_name = _("Portfolio")

    def ready(self) -> None:
        from skala.portfolio import permissions  # noqa: F401  (registers the permission rules)
