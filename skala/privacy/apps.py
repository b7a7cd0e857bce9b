from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """A person's own data: everything Skala holds about them, to take away or to erase."""

    name = "skala.privacy"
    verbose_name = _("Personal data")
