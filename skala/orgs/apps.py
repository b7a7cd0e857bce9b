from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "skala.orgs"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from skala.orgs import permissions  # noqa: F401  (registers the permission rules)
