"""Matching both ways: the suppliers for a need, and the needs for a supplier, each with why.

Solutions live in the matching corpus beside needs and notices (kind "solution", owned by their
supplier), so the same analysis, BM25, CPV scoring and embeddings rank them.
"""

from dataclasses import dataclass, field

from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.matching.index import Match
from skala.needs.models import Need
from skala.needs.services import query_for_need
from skala.suppliers.models import MATURITY_RANK, Solution, SupplierProfile

# How many solutions to read before grouping them by supplier: a supplier with many solutions
# must not crowd out the others.
SOLUTION_POOL = 200


def sync_solution(solution: Solution) -> None:
    """Keep a solution's entry in the matching corpus current."""
    profile = solution.profile
    corpus.upsert(
        solution.corpus_key,
        kind=DocumentKind.SOLUTION,
        title=solution.title,
        text=solution.description,
        cpv=list(solution.cpv_codes.values_list("code8", flat=True)),
        owner_id=profile.organisation_id,
        owner_name=profile.organisation.name,
        country=profile.organisation.country,
        is_public=True,
    )


def remove_solution(solution: Solution) -> None:
    corpus.remove(solution.corpus_key)


@dataclass
class SupplierMatch:
    """A supplier for a need: its best-matching solution, and why."""

    profile: SupplierProfile
    solution: Solution
    match: Match
    other_solutions: list[Solution] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.match.score


def suppliers_for_need(need: Need, top: int = 10) -> list[SupplierMatch]:
    """The suppliers whose solutions best meet the need, one entry per supplier, best first."""
    matches = corpus.similar(query_for_need(need), top=SOLUTION_POOL, kind=DocumentKind.SOLUTION)
    return group_by_supplier(matches, top)


def has_evidence(match: Match) -> bool:
    """A match worth showing shares words or a word part (a compound: "trygghetsalarm" and "alarm"),
    or a CPV group or closer; a shared division alone is not."""
    return (
        bool(match.why.terms)
        or bool(match.why.parts)
        or (match.why.cpv is not None and match.why.cpv[0] != "division")
    )


def group_by_supplier(matches: list[Match], top: int) -> list[SupplierMatch]:
    matches = [match for match in matches if has_evidence(match)]
    ids = [int(match.key.split(":", 1)[1]) for match in matches]
    solutions = Solution.objects.select_related("profile__organisation").in_bulk(ids)
    grouped: dict[int, SupplierMatch] = {}
    for solution_id, match in zip(ids, matches, strict=True):
        solution = solutions.get(solution_id)
        if solution is None:
            continue
        found = grouped.get(solution.profile_id)
        if found is None:
            if len(grouped) < top:
                grouped[solution.profile_id] = SupplierMatch(solution.profile, solution, match)
        else:
            found.other_solutions.append(solution)
    return list(grouped.values())


@dataclass
class NeedMatch:
    """A need for a supplier: the solution that meets it best, and why."""

    need: Need
    solution: Solution
    match: Match


def needs_for_supplier(profile: SupplierProfile, user, top: int = 10) -> list[NeedMatch]:
    """Published needs the person may see that the supplier's solutions meet, best first.

    Each solution asks on its own (with its own CPV codes); a need keeps its best answer.
    """
    from skala.orgs.permissions import member_organisations

    visible = member_organisations(user)
    best: dict[int, tuple[Match, Solution]] = {}
    for solution in profile.solutions.prefetch_related("cpv_codes"):
        query = corpus.query_for(
            f"{solution.title}\n{solution.description}",
            None,
            [code.code8 for code in solution.cpv_codes.all()],
        )
        for match in corpus.similar(query, top=top, kind=DocumentKind.NEED, visible_owner_ids=visible):
            need_id = int(match.key.split(":", 1)[1])
            if need_id not in best or match.score > best[need_id][0].score:
                best[need_id] = (match, solution)
    needs = Need.objects.select_related("organisation").published().in_bulk(list(best))
    ranked = sorted(
        (
            NeedMatch(needs[need_id], solution, match)
            for need_id, (match, solution) in best.items()
            if need_id in needs
        ),
        key=lambda item: -item.match.score,
    )
    return ranked[:top]


def maturity_rank(solution: Solution) -> int:
    return MATURITY_RANK.get(solution.maturity, 0)
