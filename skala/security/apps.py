from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "skala.security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from skala.security import checks, throttle  # noqa: F401  (registers checks and login signals)
