from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SkalaConfig(AppConfig):
    name = "skala"
    verbose_name = _("Skala")

    def ready(self) -> None:
        from skala import checks  # noqa: F401  (registers the configuration checks)
