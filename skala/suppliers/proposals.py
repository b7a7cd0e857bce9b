"""The fast track: route a supplier's proposal to the right buyer office, move it through review,
and measure how fast buyers answer.

Routing: a proposal to a need goes to the office that owns the need. An unsolicited proposal names
a buyer (Oslo kommune); inside its hierarchy it goes to the unit whose published needs share the
most of the proposal's CPV codes (group first, then division), else to the buyer's procurement
office, else to the buyer itself. The reason is kept on the proposal, so everyone sees why.
"""

import statistics
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skala.needs.models import Need, NeedStatus, Visibility
from skala.orgs.models import Organisation, OrganisationUnit
from skala.orgs.permissions import descendants, member_organisations
from skala.suppliers.models import ANSWERED, Proposal, ProposalEvent, ProposalStatus
from skala.suppliers.notify import absolute, tell_members

RESPONSE_TARGET_DAYS = 14


class ProposalError(ValueError):
    """The proposal cannot be sent or moved; the message says why."""


def route(*, need: Need | None, buyer: Organisation | None, cpv_codes: list[str]) -> tuple[Organisation, str]:
    """The office a proposal goes to, and why."""
    if need is not None:
        if need.status == NeedStatus.CLOSED:
            raise ProposalError(_("The need is closed: it takes no more proposals."))
        if need.status == NeedStatus.DRAFT:
            raise ProposalError(_("The need is not published."))
        return need.organisation, _("It owns the need.")
    if buyer is None or not buyer.is_public_buyer:
        raise ProposalError(_("Choose the public buyer the proposal is for."))
    units = descendants(buyer.top())
    if cpv_codes:
        groups = {code[:3] for code in cpv_codes}
        divisions = {code[:2] for code in cpv_codes}
        weight: Counter[int] = Counter()
        # Public needs only: routing by an invited-only need would tell the supplier which office has one.
        published = (
            Need.objects.published()
            .filter(organisation__in=units, visibility=Visibility.PUBLIC)
            .prefetch_related("cpv_codes")
        )
        for candidate in published:
            codes = [code.code8 for code in candidate.cpv_codes.all()]
            if any(code[:3] in groups for code in codes):
                weight[candidate.organisation_id] += 2
            elif any(code[:2] in divisions for code in codes):
                weight[candidate.organisation_id] += 1
        if weight:
            best_id, _score = weight.most_common(1)[0]
            unit = next(unit for unit in units if unit.pk == best_id)
            return unit, _("Its published needs share the proposal's CPV codes.")
    offices = [unit for unit in units if unit.unit == OrganisationUnit.PROCUREMENT_OFFICE]
    if offices:
        return offices[0], _("It is the buyer's procurement office.")
    return buyer.top(), _("The buyer has no office closer to the proposal.")


@transaction.atomic
def send_proposal(
    *,
    sender: Organisation,
    sent_by,
    title: str,
    description: str,
    cpv_codes: list,
    need: Need | None = None,
    buyer: Organisation | None = None,
    solution=None,
) -> Proposal:
    """Send a proposal through the fast track: routed, recorded, and the receiving office told."""
    receiver, reason = route(need=need, buyer=buyer, cpv_codes=[code.code8 for code in cpv_codes])
    proposal = Proposal.objects.create(
        sender=sender,
        sent_by=sent_by,
        need=need,
        receiver=receiver,
        solution=solution,
        title=title,
        description=description,
        routed_because=reason,
    )
    proposal.cpv_codes.set(cpv_codes)
    ProposalEvent.objects.create(
        proposal=proposal, status=ProposalStatus.RECEIVED, receiver=receiver, by=sent_by
    )
    tell_members(
        receiver,
        _("New proposal: %(title)s") % {"title": title},
        _("%(supplier)s has sent a proposal through Skala's fast track: %(url)s")
        % {"supplier": sender.name, "url": absolute(proposal.get_absolute_url())},
    )
    return proposal


@transaction.atomic
def move(
    proposal: Proposal, status: str, by, note: str = "", forward_to: Organisation | None = None
) -> Proposal:
    """Move a proposal on: review it, invite the supplier to dialogue, forward it, or decline it."""
    if status not in proposal.next_statuses():
        raise ProposalError(
            _("A proposal that is %(current)s cannot become %(status)s.")
            % {
                "current": proposal.get_status_display().lower(),
                "status": ProposalStatus(status).label.lower(),
            }
        )
    if status == ProposalStatus.DECLINED and not note.strip():
        raise ProposalError(_("Say why the proposal is declined: the supplier learns from it."))
    if status == ProposalStatus.FORWARDED:
        if forward_to is None or not forward_to.is_public_buyer or forward_to.pk == proposal.receiver_id:
            raise ProposalError(_("Choose another buyer office to forward the proposal to."))
        proposal.receiver = forward_to
    now = timezone.now()
    proposal.status = status
    proposal.first_response_at = proposal.first_response_at or now
    if status in ANSWERED and proposal.answered_at is None:
        proposal.answered_at = now
    if note:
        proposal.answer = note
    proposal.save()
    ProposalEvent.objects.create(
        proposal=proposal, status=status, receiver=proposal.receiver, by=by, note=note
    )
    tell_members(
        proposal.sender,
        _("Your proposal is %(status)s") % {"status": proposal.get_status_display().lower()},
        _("%(title)s: %(status)s. %(note)s")
        % {"title": proposal.title, "status": proposal.get_status_display(), "note": note},
    )
    if status == ProposalStatus.FORWARDED:
        tell_members(
            forward_to,
            _("Forwarded proposal: %(title)s") % {"title": proposal.title},
            _("A proposal was forwarded to you: %(url)s") % {"url": absolute(proposal.get_absolute_url())},
        )
    return proposal


@dataclass
class ResponseFigures:
    """How a buyer answers the fast track: for its leaders."""

    received: int
    answered: int
    open: int
    open_overdue: int
    median_days: float | None
    within_target_share: float | None


def response_figures(organisation_ids: list[int], *, now=None) -> ResponseFigures:
    """Response time over the proposals the organisations (and their units) received."""
    now = now or timezone.now()
    proposals = list(
        Proposal.objects.filter(receiver_id__in=organisation_ids).only("created_at", "answered_at", "status")
    )
    days = [proposal.response_days for proposal in proposals if proposal.response_days is not None]
    open_ = [proposal for proposal in proposals if proposal.answered_at is None]
    overdue = [p for p in open_ if (now - p.created_at).total_seconds() > RESPONSE_TARGET_DAYS * 86400]
    return ResponseFigures(
        received=len(proposals),
        answered=len(days),
        open=len(open_),
        open_overdue=len(overdue),
        median_days=round(statistics.median(days), 1) if days else None,
        within_target_share=round(sum(d <= RESPONSE_TARGET_DAYS for d in days) / len(days), 3)
        if days
        else None,
    )


def visible_proposals(user):
    """Proposals the person may read: sent by, or received by, organisations they belong to."""
    from skala.orgs.permissions import member_organisations

    organisations = member_organisations(user)
    return Proposal.objects.filter(Q(sender_id__in=organisations) | Q(receiver_id__in=organisations))


def matching_needs(proposal: Proposal, user, top: int = 5) -> list:
    """The receiving buyer's own needs that the proposal speaks to, with why: so an unsolicited
    proposal lands beside the needs it could meet. Only needs the reader may see: a sibling unit's
    invited-only need is not the receiving office's to read."""
    from skala.corpus import services as corpus
    from skala.corpus.models import DocumentKind

    buyer_units = [unit.pk for unit in descendants(proposal.receiver.top())]
    query = corpus.query_for(
        f"{proposal.title}\n{proposal.description}", None, [code.code8 for code in proposal.cpv_codes.all()]
    )
    matches = corpus.similar(query, top=50, kind=DocumentKind.NEED, visible_owner_ids=buyer_units)
    ids = [int(match.key.split(":", 1)[1]) for match in matches]
    needs = (
        Need.objects.visible_to(user, member_organisations(user))
        .filter(organisation__in=buyer_units)
        .in_bulk(ids)
    )
    return [(needs[i], match) for i, match in zip(ids, matches, strict=True) if i in needs][:top]
