"""What needs do beyond their own table: keep the matching corpus current, find similar needs."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.matching.index import Match
from skala.matching.suggest import Suggestion
from skala.needs.models import (
    ACTIVE_STATUSES,
    JointProcess,
    Need,
    NeedStatus,
    Participant,
    ParticipantStatus,
    Visibility,
)
from skala.orgs.models import Organisation
from skala.orgs.permissions import member_organisations
from skala.reference.models import CpvCode


def sync_to_corpus(need: Need) -> None:
    """Published needs are in the corpus; drafts are not."""
    if need.is_draft:
        corpus.remove(need.corpus_key)
        return
    corpus.upsert(
        need.corpus_key,
        kind=DocumentKind.NEED,
        title=need.title,
        text=need.text(),
        language=need.language or None,
        cpv=list(need.cpv_codes.values_list("code8", flat=True)),
        owner_id=need.organisation.top().pk,
        owner_name=need.organisation.top().name,
        country=need.organisation.country,
        is_public=need.visibility == Visibility.PUBLIC,
    )


# A word search ranks at most this many needs (fifty pages of the list), however many the filters leave.
SEARCH_LIMIT = 1000


def search(needs, words: str) -> list[Need]:
    """The needs of `needs` (a queryset the visitor may see, filtered as they chose) that match the words,
    best first: through the matcher, so a Swedish query finds Norwegian needs that share stems or meaning.
    The matcher ranks only these needs, so a word and a filter together find every need that has both.
    Drafts are not in the matcher's corpus: their titles are searched as they are, after the rest."""
    within = [f"need:{pk}" for pk in needs.exclude(status=NeedStatus.DRAFT).values_list("pk", flat=True)]
    matches = corpus.similar(
        corpus.query_for(words),
        top=max(1, min(len(within), SEARCH_LIMIT)),
        kind=DocumentKind.NEED,
        within=within,
        visible_keys=within,
    )
    rank = {int(match.key.split(":", 1)[1]): n for n, match in enumerate(matches)}
    found = sorted(needs.filter(pk__in=rank), key=lambda need: rank[need.pk])
    drafts = needs.filter(status=NeedStatus.DRAFT, title__icontains=words).exclude(pk__in=rank)
    return found + list(drafts)


def shared_need_keys(user) -> set[str]:
    """Corpus keys of the invited-only needs the person may see though the corpus would not show them:
    shared with their organisation, in a joint process they take part in, or their organisation's own
    when they belong to one of its offices (the corpus knows a need by its top organisation)."""
    if not user.is_authenticated:
        return set()
    ids = (
        Need.objects.published()
        .exclude(visibility=Visibility.PUBLIC)
        .visible_to(user, member_organisations(user))
        .values_list("pk", flat=True)
    )
    return {f"need:{pk}" for pk in ids}


@dataclass
class SimilarNeed:
    need: Need
    match: Match
    invite: Organisation | None = None  # the buyer behind it, when the viewer may invite it


def query_for_need(need: Need):
    return corpus.query_for(
        f"{need.title}\n{need.text()}", need.language or None, need.cpv_codes.values_list("code8", flat=True)
    )


def similar_needs(need: Need, user, top: int = 10, query=None) -> list[SimilarNeed]:
    """Other needs most like this one that the person may see, best first, with why.

    `query` is the need's own query when the caller already built it (the need's page does, for notices).
    """
    visible_owners = set(member_organisations(user))
    matches = corpus.similar(
        query if query is not None else query_for_need(need),
        top=top,
        kind=DocumentKind.NEED,
        exclude=[need.corpus_key],
        visible_owner_ids=visible_owners,
        visible_keys=shared_need_keys(user),
    )
    ids = [int(match.key.split(":", 1)[1]) for match in matches]
    needs = Need.objects.select_related("organisation").in_bulk(ids)
    return [SimilarNeed(needs[i], match) for i, match in zip(ids, matches, strict=True) if i in needs]


@dataclass
class CpvSuggestion:
    code: CpvCode
    suggestion: Suggestion

    @property
    def reasons(self) -> list[str]:
        """Why the code is suggested, in words: every suggestion has at least one of these."""
        found = []
        if self.suggestion.label_terms:
            found.append(_("its label shares %(words)s") % {"words": ", ".join(self.suggestion.label_terms)})
        if self.suggestion.neighbours:
            count = len(self.suggestion.neighbours)
            found.append(
                ngettext(
                    "%(count)d similar classified need or notice has it",
                    "%(count)d similar classified needs and notices have it",
                    count,
                )
                % {"count": count}
            )
        if self.suggestion.division_share >= DIVISION_REASON_SHARE or not found:
            found.append(
                _("in division %(division)s, where texts like this are classified")
                % {"division": self.code.code8[:2]}
            )
        return found


# A division this close to the one the evidence favours most is named as a reason of its own.
DIVISION_REASON_SHARE = 0.5


def suggested_cpv(need: Need, top: int = 8) -> list[CpvSuggestion]:
    """CPV codes Skala suggests for the need's text."""
    query = corpus.query_for(f"{need.title}\n{need.text()}", need.language or None)
    suggestions = corpus.suggest_cpv(query, top=top)
    codes = CpvCode.objects.in_bulk([s.code for s in suggestions])
    return [CpvSuggestion(codes[s.code], s) for s in suggestions if s.code in codes]


def invite(need: Need, organisation, role: str, option_terms: str, invited_by) -> tuple[Participant, bool]:
    """Invite a buyer into the need's joint process, starting the process if need be.

    Returns the participant and whether the invitation is new. Inviting a buyer that is invited or
    has joined changes nothing; one that declined, left or was removed is invited again, on these terms.
    """
    process, _created = JointProcess.objects.get_or_create(need=need)
    participant, created = Participant.objects.get_or_create(
        process=process,
        organisation=organisation,
        defaults={"role": role, "option_terms": option_terms, "invited_by": invited_by},
    )
    if not created and participant.status not in ACTIVE_STATUSES:
        participant.invite_again(role, option_terms, invited_by)
        created = True
    if created:
        tell_invited(participant)
    return participant, created


def withdraw(participant: Participant) -> str:
    """The lead takes a buyer out of the process: an unanswered invitation is deleted, a buyer that
    joined is removed (and told). Returns what happened: "withdrawn", "removed" or "" for nothing."""
    if participant.status == ParticipantStatus.INVITED:
        participant.delete()
        return "withdrawn"
    if participant.status == ParticipantStatus.ACCEPTED:
        participant.end(ParticipantStatus.REMOVED)
        sync_dialogue_hosts(participant)
        tell_ended(participant)
        return "removed"
    return ""


def answer(participant: Participant, accept: bool) -> bool:
    """The invited buyer accepts or declines. False when the invitation is not open (already answered,
    or the buyer was taken out or left): only a new invitation from the lead lets it in again."""
    if participant.status != ParticipantStatus.INVITED:
        return False
    participant.answer(accept)
    if accept:
        sync_dialogue_hosts(participant)
    return True


def leave(participant: Participant) -> bool:
    """A buyer that joined leaves the process (and the lead is told). False when it had not joined."""
    if participant.status != ParticipantStatus.ACCEPTED:
        return False
    participant.end(ParticipantStatus.LEFT)
    sync_dialogue_hosts(participant)
    tell_ended(participant)
    return True


def sync_dialogue_hosts(participant: Participant) -> None:
    """A buyer that joins co-hosts the need's meetings, those held before it joined included; one that
    leaves or is taken out hosts them no more."""
    from skala.dialogue.services import sync_hosts_of_need

    sync_hosts_of_need(participant.process.need)


def tell_ended(participant: Participant) -> None:
    """E-mail the side that did not act: a removed buyer learns it from the lead, the lead learns that a
    buyer left. Either way the buyer no longer sees the need's dialogue through the process."""
    from skala.suppliers.notify import absolute, tell_members

    need = participant.process.need
    names = {"lead": need.organisation, "organisation": participant.organisation, "title": need.title}
    if participant.status == ParticipantStatus.REMOVED:
        recipient = participant.organisation
        text = _("%(lead)s has taken %(organisation)s out of the joint process for the need “%(title)s”.")
    else:
        recipient = need.organisation
        text = _("%(organisation)s has left the joint process for the need “%(title)s”.")
    tell_members(
        recipient,
        _("Joint process changed: %(title)s") % {"title": need.title},
        "\n\n".join([text % names, absolute(need.get_absolute_url())]),
    )


def tell_invited(participant: Participant) -> None:
    """E-mail the invited buyer's members: else the invitation waits unseen on the need's page."""
    from skala.suppliers.notify import absolute, tell_members

    need = participant.process.need
    lines = [
        _("%(lead)s invites %(organisation)s into the joint process for the need “%(title)s”, as %(role)s.")
        % {
            "lead": need.organisation,
            "organisation": participant.organisation,
            "title": need.title,
            "role": participant.get_role_display().lower(),
        }
    ]
    if participant.option_terms:
        lines.append(_("Option: %(terms)s") % {"terms": participant.option_terms})
    lines.append(
        _("Accept or decline on the need's page: %(url)s") % {"url": absolute(need.get_absolute_url())}
    )
    tell_members(
        participant.organisation,
        _("Invitation to a joint process: %(title)s") % {"title": need.title},
        "\n\n".join(lines),
    )
