"""Skala's own figures, measured from its own data, as a connector kind.

A figure counts what its owner and the owner's units did: Oslo's wall shows Oslo's needs, not the
platform's, and nobody learns from a figure how many invited-only needs another buyer has. A
facilitating organisation (KS, say) runs programmes for many buyers and counts the whole platform.
"""

import datetime

from django.db.models import Count, Q
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
        .annotate(count=Count("pk", distinct=True))
        .order_by("month")
    )
    return [
        (row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"], row["count"])
        for row in rows
    ]


def scoped(queryset, figure, *paths: str):
    """The rows whose organisation (at any of the paths) is the figure's owner or one of its units."""
    from skala.orgs.models import OrganisationKind
    from skala.orgs.permissions import descendants

    if figure.owner.kind == OrganisationKind.FACILITATOR:
        return queryset
    organisations = descendants(figure.owner)
    matches = Q()
    for path in paths:
        matches |= Q(**{f"{path}__in": organisations})
    return queryset.filter(matches)


def measure(name: str, figure) -> list[tuple]:
    """(period, value) points for one of Skala's own measures, counted for the figure's owner."""
    from skala.kpis.connectors import PullError

    if name == "needs_published":
        from skala.needs.models import Need

        return monthly(
            scoped(Need.objects.exclude(published_at=None), figure, "organisation"), "published_at"
        )
    if name == "joint_processes":
        from skala.needs.models import JointProcess, ParticipantStatus

        # The processes it leads (its need) and those it joined.
        led = scoped(JointProcess.objects.all(), figure, "need__organisation")
        joined = scoped(
            JointProcess.objects.filter(participants__status=ParticipantStatus.ACCEPTED),
            figure,
            "participants__organisation",
        )
        return monthly(
            JointProcess.objects.filter(Q(pk__in=led.values("pk")) | Q(pk__in=joined.values("pk"))),
            "created_at",
        )
    if name == "pilots_scaled":
        from skala.portfolio.models import GateDecision

        decisions = GateDecision.objects.filter(to_stage="scale_up", decision="go")
        return monthly(scoped(decisions, figure, "project__owners"), "decided_on")
    if name == "proposals_answered_14_days":
        from skala.suppliers.models import Proposal

        points: dict = {}
        for proposal in scoped(Proposal.objects.all(), figure, "receiver").only("created_at", "answered_at"):
            month = proposal.created_at.date().replace(day=1)
            answered, total = points.get(month, (0, 0))
            fast = proposal.response_days is not None and proposal.response_days <= 14
            points[month] = (answered + fast, total + 1)
        return [
            (month, round(100 * answered / total, 1)) for month, (answered, total) in sorted(points.items())
        ]
    raise PullError(_("Skala has no measure called %(name)s.") % {"name": name})
