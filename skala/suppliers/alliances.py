"""Alliance finding: small groups of complementary suppliers who together cover a need.

A need is broken into aspects: its CPV groups, its most distinctive words, and where it is (the
buyer's county). A supplier covers a CPV aspect with a solution in that group, a word aspect when
its solutions use the word, and the place when it serves that county or the whole country. Groups
of two or three are grown greedily from each strong supplier, each step adding the supplier that
covers most of what is still missing (ties go to the more mature and better matching); a group is
suggested only when it covers more than the best single supplier does.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_GROUP = 3
SEEDS = 8
WORD_ASPECTS = 6


@dataclass(frozen=True)
class Aspect:
    kind: str  # "cpv", "word" or "region"
    value: str
    label: str


@dataclass
class Candidate:
    """A supplier as alliance finding sees it."""

    key: int
    name: str
    cpv: set[str]
    stems: set[str]
    counties: set[int] | None  # None: the whole country
    maturity: int
    score: float
    open_to_partnering: bool = False

    def covers(self, aspect: Aspect) -> bool:
        if aspect.kind == "cpv":
            return any(code.startswith(aspect.value) for code in self.cpv)
        if aspect.kind == "word":
            return aspect.value in self.stems
        if aspect.kind == "region":
            return self.counties is None or int(aspect.value) in self.counties
        return False


@dataclass
class Alliance:
    members: list[Candidate]
    covered: list[Aspect]
    missing: list[Aspect]
    contributions: dict[int, list[Aspect]] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        total = len(self.covered) + len(self.missing)
        return len(self.covered) / total if total else 0.0

    def why(self) -> list[str]:
        """For each member, what it brings."""
        return [
            _("%(name)s brings %(aspects)s")
            % {
                "name": member.name,
                "aspects": ", ".join(a.label for a in self.contributions.get(member.key, [])),
            }
            for member in self.members
        ]


def covered_by(members: Iterable[Candidate], aspects: list[Aspect]) -> list[Aspect]:
    members = list(members)
    return [aspect for aspect in aspects if any(member.covers(aspect) for member in members)]


def grow(seed: Candidate, candidates: list[Candidate], aspects: list[Aspect]) -> list[Candidate]:
    group = [seed]
    while len(group) < MAX_GROUP:
        missing = [aspect for aspect in aspects if aspect not in covered_by(group, aspects)]
        if not missing:
            break
        best, best_gain = None, 0
        for candidate in candidates:
            if candidate in group:
                continue
            gain = sum(candidate.covers(aspect) for aspect in missing)
            better = (gain, candidate.maturity, candidate.score) > (
                best_gain,
                best.maturity if best else -1,
                best.score if best else -1.0,
            )
            if gain > 0 and better:
                best, best_gain = candidate, gain
        if best is None:
            break
        group.append(best)
    return group


def suggest_alliances(aspects: list[Aspect], candidates: list[Candidate], top: int = 3) -> list[Alliance]:
    """The best groups of two or three suppliers that cover more of the need than anyone alone."""
    if not aspects or len(candidates) < 2:
        return []
    best_single = max(len(covered_by([candidate], aspects)) for candidate in candidates)
    seeds = sorted(candidates, key=lambda c: (-len(covered_by([c], aspects)), -c.score))[:SEEDS]
    found: dict[frozenset, Alliance] = {}
    for seed in seeds:
        if not covered_by([seed], aspects):
            continue
        group = grow(seed, candidates, aspects)
        covered = covered_by(group, aspects)
        if len(group) < 2 or len(covered) <= best_single:
            continue
        key = frozenset(member.key for member in group)
        if key in found:
            continue
        contributions, seen = {}, set()
        for member in group:
            brings = [aspect for aspect in aspects if member.covers(aspect) and aspect not in seen]
            contributions[member.key] = brings
            seen.update(brings)
        group = [member for member in group if contributions[member.key]]
        if len(group) < 2:
            continue
        key = frozenset(member.key for member in group)
        if key in found:
            continue
        found[key] = Alliance(
            members=group,
            covered=covered,
            missing=[aspect for aspect in aspects if aspect not in covered],
            contributions=contributions,
        )
    return sorted(
        found.values(),
        key=lambda a: (
            -len(a.covered),
            len(a.members),
            -sum(m.maturity for m in a.members),
            -sum(m.score for m in a.members),
        ),
    )[:top]


def need_aspects(need, document_frequency: dict[str, int], offered: set[str] | None = None) -> list[Aspect]:
    """A need's aspects: CPV groups, its rarest words that suppliers offer, and the buyer's county."""
    from skala.matching.analysis import analyse, surface_words
    from skala.reference.models import CpvCode

    aspects = []
    codes = list(need.cpv_codes.all())
    for group in sorted({code.code8[:3] for code in codes}):
        label = CpvCode.objects.filter(code8=group.ljust(8, "0")).first()
        aspects.append(Aspect("cpv", group, f"CPV {group}" + (f" ({label.label()})" if label else "")))
    stems = list(dict.fromkeys(analyse(f"{need.title}\n{need.text()}", need.language or "mul")))
    stems = [stem for stem in stems if len(stem) > 3 and (offered is None or stem in offered)]
    # Rare words say most about a need; words some supplier offers are the ones a group can cover.
    rare = sorted(stems, key=lambda stem: document_frequency.get(stem, 0))[:WORD_ASPECTS]
    # Shown as the need wrote the word (hjemmetjenesten), not as its stem (hjemmetjenest).
    written = surface_words(f"{need.title}\n{need.text()}", need.language or "mul")
    aspects.extend(Aspect("word", stem, f"«{written.get(stem, stem)}»") for stem in rare)
    municipality = need.organisation.top().municipality
    if municipality is not None and municipality.county_id:
        aspects.append(Aspect("region", str(municipality.county_id), municipality.county.name))
    return aspects


def suggest_for_need(need, top: int = 3) -> tuple[list[Aspect], list[Alliance]]:
    """Alliances for a need among the suppliers that match it, with the aspects they were judged on."""
    from skala.corpus import services as corpus
    from skala.corpus.models import CorpusDocument
    from skala.suppliers.matching import maturity_rank, suppliers_for_need

    matches = suppliers_for_need(need, top=20)
    if len(matches) < 2:
        return [], []
    candidates = []
    for match in matches:
        profile = match.profile
        solutions = [match.solution, *match.other_solutions, *profile.solutions.all()]
        solutions = list({solution.pk: solution for solution in solutions}.values())
        terms = CorpusDocument.objects.filter(key__in=[s.corpus_key for s in solutions]).values_list(
            "terms", flat=True
        )
        counties = None if profile.whole_country else {county.pk for county in profile.regions.all()}
        candidates.append(
            Candidate(
                key=profile.organisation_id,
                name=profile.organisation.name,
                cpv={code.code8 for s in solutions for code in s.cpv_codes.all()},
                stems={term for text in terms for term in text.split() if not term.startswith("#")},
                counties=counties,
                maturity=max(maturity_rank(s) for s in solutions),
                score=match.score,
                open_to_partnering=profile.open_to_partnering,
            )
        )
    offered = {stem for candidate in candidates for stem in candidate.stems}
    aspects = need_aspects(need, corpus.current().index.document_frequency, offered)
    return aspects, suggest_alliances(aspects, candidates, top=top)
