"""Who publishes the needs a person may see, and where: the buyers and places the need list filters by.

An agency or procurement office usually has no municipality of its own: it is where the municipality
or county it belongs to is, so a need of Oslo's Sykehjemsetaten is found under Oslo.
"""

from dataclasses import dataclass

from skala.orgs.models import Organisation
from skala.reference.models import Municipality


def municipality_of(organisation: Organisation) -> Municipality | None:
    """The organisation's municipality, or else the nearest one above it in its hierarchy."""
    for node in organisation.ancestors(include_self=True):
        if node.municipality_id:
            return node.municipality
    return None


@dataclass(frozen=True)
class NeedOwners:
    """The organisations owning a set of needs, with every organisation above them and their places."""

    places: dict[int, Municipality | None]  # owner id -> municipality
    above: dict[int, set[int]]  # owner id -> ids of the owner and every organisation above it
    buyers: list[Organisation]  # owners and the organisations above them, by name

    @classmethod
    def of(cls, needs) -> "NeedOwners":
        owners = Organisation.objects.filter(pk__in=needs.values("organisation_id")).select_related(
            "municipality__county", "parent__municipality__county", "parent__parent__municipality__county"
        )
        places, above, buyers = {}, {}, {}
        for owner in owners:
            chain = owner.ancestors(include_self=True)
            places[owner.pk] = municipality_of(owner)
            above[owner.pk] = {node.pk for node in chain}
            buyers.update({node.pk: node for node in chain})
        return cls(places, above, sorted(buyers.values(), key=lambda o: (o.name.casefold(), o.pk)))

    @property
    def municipalities(self) -> list[Municipality]:
        found = {m.pk: m for m in self.places.values() if m is not None}
        return sorted(found.values(), key=lambda m: (m.country, m.name))

    def in_municipality(self, municipality_id: int) -> list[int]:
        return [pk for pk, place in self.places.items() if place is not None and place.pk == municipality_id]

    def in_county(self, county_id: int) -> list[int]:
        return [pk for pk, place in self.places.items() if place is not None and place.county_id == county_id]

    def under(self, organisation_id: int) -> list[int]:
        """Owners that are the organisation or one of its units."""
        return [pk for pk, chain in self.above.items() if organisation_id in chain]
