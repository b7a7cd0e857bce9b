"""Suppliers join forces: partnering requests, and the consortium that forms when one is accepted."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skala.needs.models import Need, NeedStatus
from skala.orgs.models import Organisation, OrganisationKind
from skala.suppliers.models import Consortium, PartneringRequest, PartneringStatus
from skala.suppliers.notify import absolute, tell_members


class PartneringError(ValueError):
    """The request cannot be sent or answered; the message says why."""


@transaction.atomic
def request_partner(
    need: Need, sender: Organisation, receiver: Organisation, message: str = ""
) -> PartneringRequest:
    """Ask another supplier to join forces on a need."""
    if need.status in {NeedStatus.DRAFT, NeedStatus.CLOSED}:
        raise PartneringError(_("The need is not open."))
    if receiver.kind != OrganisationKind.SUPPLIER or receiver.pk == sender.pk:
        raise PartneringError(_("Choose another supplier."))
    profile = getattr(receiver, "supplier_profile", None)
    if profile is None or not profile.open_to_partnering:
        raise PartneringError(_("%(name)s is not open to partnering.") % {"name": receiver.name})
    request, created = PartneringRequest.objects.get_or_create(
        need=need, sender=sender, receiver=receiver, defaults={"message": message}
    )
    if not created:
        raise PartneringError(_("You have already asked %(name)s.") % {"name": receiver.name})
    tell_members(
        receiver,
        _("%(supplier)s wants to partner with you") % {"supplier": sender.name},
        _("On the need %(need)s: %(message)s\n%(url)s")
        % {"need": need.title, "message": message, "url": absolute(need.get_absolute_url())},
    )
    return request


@transaction.atomic
def answer_partnering(request: PartneringRequest, accept: bool) -> Consortium | None:
    """Accept or decline; on acceptance both join the sender's consortium for the need."""
    if request.status != PartneringStatus.SENT:
        raise PartneringError(_("The request is already answered."))
    request.status = PartneringStatus.ACCEPTED if accept else PartneringStatus.DECLINED
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answered_at"])
    if not accept:
        return None
    consortium, _created = Consortium.objects.get_or_create(need=request.need, lead=request.sender)
    consortium.members.add(request.sender, request.receiver)
    return consortium
