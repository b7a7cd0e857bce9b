from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialogueConfig(AppConfig):
    name = "skala.dialogue"
    verbose_name = _("Market dialogue")

    def ready(self) -> None:
        from skala.dialogue import permissions  # noqa: F401  (registers the permission rules)
