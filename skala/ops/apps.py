from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Skala: backups and restores, and answering cleanly when the database is away."""

    name = "skala.ops"
    verbose_name = _("Operations")
