"""Skala's own figures, measured from its own data, as a connector kind."""

import datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

MEASURES = {
    "needs_published": "Needs published a month",
    "joint_processes": "Joint processes formed a month",
    "pilots_scaled": "Projects that reached scale-up, a month",
    "proposals_answered_14_days": "Share of proposals answered within 14 days, by month sent",
}


def monthly(queryset, field: str) -> list[tuple]:
    rows = (
        queryset.annotate(month=TruncMonth(field))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    )
    return [
        (row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"], row["count"])
        for row in rows
    ]


def measure(name: str, figure) -> list[tuple]:
    """(period, value) points for one of Skala's own measures."""
    from skala.kpis.connectors import PullError

    if name == "needs_published":
        from skala.needs.models import Need

        return monthly(Need.objects.exclude(published_at=None), "published_at")
    if name == "joint_processes":
        from skala.needs.models import JointProcess

        return monthly(JointProcess.objects.all(), "created_at")
    if name == "pilots_scaled":
        from skala.portfolio.models import GateDecision

        return monthly(GateDecision.objects.filter(to_stage="scale_up", decision="go"), "decided_on")
    if name == "proposals_answered_14_days":
        from skala.suppliers.models import Proposal

        points: dict = {}
        for proposal in Proposal.objects.only("created_at", "answered_at"):
            month = proposal.created_at.date().replace(day=1)
            answered, total = points.get(month, (0, 0))
            fast = proposal.response_days is not None and proposal.response_days <= 14
            points[month] = (answered + fast, total + 1)
        return [
            (month, round(100 * answered / total, 1)) for month, (answered, total) in sorted(points.items())
        ]
    raise PullError(_("Skala has no measure called %(name)s.") % {"name": name})
