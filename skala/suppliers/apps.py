from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "skala.suppliers"
    verbose_name = _("Suppliers and startups")
