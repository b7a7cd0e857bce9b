from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "skala.needs"
    verbose_name = _("Needs and joint processes")

    def ready(self) -> None:
        from skala.needs import permissions  # noqa: F401  (registers the permission rules)
