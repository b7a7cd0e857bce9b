"""Pulling key figures from their sources, as tasks, so many workers can share the load."""

from django_tasks import task


@task()
def pull_connector(connector_id: int) -> int:
    from skala.kpis.connectors import pull
    from skala.kpis.models import Connector

    connector = Connector.objects.select_related("figure").filter(pk=connector_id, active=True).first()
    return pull(connector) if connector else 0
