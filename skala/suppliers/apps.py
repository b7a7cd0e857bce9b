from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "skala.suppliers"
    verbose_name = _("Suppliers and startups")

    def ready(self) -> None:
        from skala.needs.signals import need_published
        from skala.procedures.signals import notices_imported
        from skala.suppliers import permissions  # noqa: F401  (registers the permission rules)

        need_published.connect(enqueue_need_alerts, dispatch_uid="suppliers-need-alerts")
        notices_imported.connect(enqueue_notice_alerts, dispatch_uid="suppliers-notice-alerts")


def enqueue_need_alerts(sender, need_id: int, **kwargs) -> None:
    from skala.suppliers.tasks import alert_for_need

    alert_for_need.enqueue(need_id)


def enqueue_notice_alerts(sender, notice_ids: list[int], **kwargs) -> None:
    from skala.suppliers.tasks import alert_for_notices

    alert_for_notices.enqueue(notice_ids)
