"""Stage gates: every move between stages is a recorded decision with its reason, date, who decided
and evidence; the gate names the legal route for the next step and links to the procedure advisor.
History is never rewritten: a correction is a new decision that points to the one it corrects."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skala.portfolio.models import PATH, Decision, GateDecision, Project, Stage


class GateError(ValueError):
    """The decision cannot be recorded; the message says why."""


@dataclass(frozen=True)
class Route:
    text: str
    procedures: tuple[str, ...]


ROUTES = {
    Stage.EXPLORATION: Route(gettext_lazy("Market dialogue and needs work: no procurement yet."), ()),
    Stage.PILOT: Route(
        gettext_lazy(
            "A pilot under the R&D exemption (pre-commercial procurement), or a small direct purchase."
        ),
        ("pcp", "direct"),
    ),
    Stage.SCALE_UP: Route(
        gettext_lazy(
            "An innovation partnership for development and purchase, "
            "or a competition for the scaled solution."
        ),
        ("innovation_partnership", "negotiation"),
    ),
    Stage.STANDARD: Route(
        gettext_lazy("A framework agreement, or the option in the partnership, to scale to every unit."),
        ("open", "restricted"),
    ),
}


def next_stage(stage: str) -> str | None:
    if stage not in PATH:
        return None
    position = PATH.index(Stage(stage))
    return PATH[position + 1] if position + 1 < len(PATH) else None


def route_for(stage: str) -> dict | None:
    """The legal route to the stage, with a link to the advisor."""
    route = ROUTES.get(Stage(stage)) if stage in Stage.values else None
    if route is None:
        return None
    return {
        "text": str(route.text),
        "procedures": list(route.procedures),
        "advisor": reverse("procedures:advisor"),
    }


@transaction.atomic
def decide(
    project: Project,
    decision: str,
    *,
    reason: str,
    decided_by=None,
    to_stage: str | None = None,
    evidence: str = "",
    lessons: str = "",
    skip_reason: str = "",
    day: datetime.date | None = None,
    corrects: GateDecision | None = None,
) -> GateDecision:
    """Record a gate decision and move the project; refuse what the rules of the portfolio do not allow."""
    day = day or datetime.date.today()
    if not reason.strip():
        raise GateError(_("Give the reason for the decision."))
    current = Stage(project.stage)
    if corrects is not None:
        if corrects.project_id != project.pk:
            raise GateError(_("A correction must point to a decision of the same project."))
        if hasattr(corrects, "corrected_by"):
            raise GateError(_("That decision is already corrected; correct the newest one."))
        current = Stage(corrects.from_stage)
    if current == Stage.STOPPED and corrects is None:
        raise GateError(_("The project is stopped. Correct the stop decision to reopen it."))
    if decision == Decision.STOP:
        target = Stage.STOPPED
        lessons = lessons.strip() or project.lessons.strip()
        if not lessons:
            raise GateError(_("A stopped project must say what it taught: write the lessons learnt."))
        project.lessons = lessons
    elif decision == Decision.REWORK:
        target = Stage(to_stage) if to_stage else current
        if target not in PATH or PATH.index(target) > PATH.index(current):
            raise GateError(_("Rework stays in the stage or goes back; it does not move forward."))
    elif decision == Decision.GO:
        target = Stage(to_stage) if to_stage else next_stage(current)
        if target is None or target not in PATH or PATH.index(target) <= PATH.index(current):
            raise GateError(_("Go moves the project forward to a later stage."))
        if PATH.index(target) - PATH.index(current) > 1 and not skip_reason.strip():
            raise GateError(
                _("Going from %(from)s to %(to)s skips a stage: say why.")
                % {"from": current.label.lower(), "to": target.label.lower()}
            )
    else:
        raise GateError(_("The decision is go, stop or rework."))
    record = GateDecision.objects.create(
        project=project,
        from_stage=current,
        to_stage=target,
        decision=decision,
        reason=reason + (f"\n{_('Skipped a stage because')}: {skip_reason}" if skip_reason.strip() else ""),
        evidence=evidence,
        decided_on=day,
        decided_by=decided_by,
        corrects=corrects,
    )
    if project.stage != target:
        project.stage, project.stage_since = target, day
    project.save()
    return record
