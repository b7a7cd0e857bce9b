"""The supplier-base report and the openings for small suppliers, computed with DuckDB.

Both read the summary (one row per office, supplier, category, CPV division and year, kept by the
importer), never the lines, and read it from its columnar copy (skala/spend/cube.py): on ten
million lines DuckDB answers in about a tenth of the time GROUP BY in SQLite takes (bench/spend.py
measures both, beside pandas). Names, organisation numbers and size flags come from the database.

Definitions, for a year and an organisation with all its units:

- a supplier's spend is the sum of its lines in the year, credit notes included;
- suppliers: those with at least one line in the year;
- the long tail: suppliers whose spend is under the threshold (`SKALA_LONG_TAIL_THRESHOLD`,
  NOK 100,000 by default), with their share of the suppliers and of the spend;
- top-10 share: the ten largest suppliers' share of the spend; top-1 % share: the same for the
  largest hundredth of the suppliers (at least one);
- HHI: the Herfindahl-Hirschman index, the sum of the squared spend shares of the suppliers paid
  more than nothing, from 0 (spread thin) to 1 (one supplier); competition authorities write it
  times 10,000 (`hhi_points`);
- new suppliers: suppliers of the year with no line in the year before;
- SMEs and startups: by Enhetsregisteret's flags for suppliers with an organisation number in it,
  or by the size the spend data gave; shares by count and by spend of all the year's suppliers;
- per office, the same within the office: its suppliers, its long tail (suppliers the office paid
  less than the threshold) and its SMEs' and startups' shares of its suppliers and its spend.
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skala.orgs.models import Organisation, RegistryEntry
from skala.reference.models import CpvCode
from skala.spend.cube import open_cube
from skala.spend.models import (
    Category,
    OpeningsVisibility,
    SizeClass,
    SpendSettings,
    Supplier,
    currency_of,
)

# An opening needs this many suppliers in its cell, and at least this share of them small.
MIN_SUPPLIERS = 5
MIN_SMALL_SHARE = 0.5
TOP_SUPPLIERS = 10


def units_of(organisation: Organisation) -> list[int]:
    """The organisation's id and the ids of every unit below it."""
    ids, frontier = [organisation.pk], [organisation.pk]
    while frontier:
        frontier = list(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def default_threshold() -> int:
    return settings.SKALA_LONG_TAIL_THRESHOLD


class Cube:
    """The summary of one organisation and its units, as DuckDB reads it."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.top = organisation.top()
        self.duck = open_cube(self.top)
        # Ids come from the database, so they can be written into the SQL as numbers.
        units = units_of(organisation) if organisation.parent_id is not None else []
        self.where = f"office_id IN ({', '.join(str(int(pk)) for pk in units)})" if units else "TRUE"

    def rows(self, sql: str, *parameters) -> list[tuple]:
        """Run SQL over the view `summary`; {where} in it becomes the organisation's filter."""
        return self.duck.execute(sql.replace("{where}", self.where), list(parameters)).fetchall()

    def latest_year(self) -> int:
        """The latest year with spend; this year when there is none."""
        year = self.rows("SELECT max(year) FROM summary WHERE {where}")[0][0]
        return year or timezone.localdate().year

    def spends(self, year: int) -> dict[int, int]:
        """Each supplier's spend in the year, in øre."""
        return dict(
            self.rows(
                "SELECT supplier_id, sum(amount_ore) FROM summary WHERE year = ? AND {where} GROUP BY 1", year
            )
        )

    def suppliers(self, year: int) -> set[int]:
        return {
            row[0]
            for row in self.rows("SELECT DISTINCT supplier_id FROM summary WHERE year = ? AND {where}", year)
        }

    def lines(self, year: int) -> int:
        return int(
            self.rows("SELECT coalesce(sum(lines), 0) FROM summary WHERE year = ? AND {where}", year)[0][0]
        )

    def breakdown(self, year: int, column: str) -> list[tuple]:
        """(value, suppliers, spend) per value of one column, largest spend first."""
        return self.rows(
            f"SELECT {column}, count(DISTINCT supplier_id), sum(amount_ore) AS spend FROM summary "
            "WHERE year = ? AND {where} GROUP BY 1 ORDER BY spend DESC, 1",
            year,
        )

    def offices(self, year: int, threshold_ore: int, sme: set[int], startup: set[int]) -> list[tuple]:
        """Per office, largest spend first: (office, suppliers, spend, long-tail suppliers and spend,
        SMEs and their spend, startups and their spend). A supplier is in an office's long tail when
        what that office paid it in the year is under the threshold."""
        import numpy

        ids = sorted(sme | startup)
        self.duck.register(
            "sizes",
            {
                "supplier_id": numpy.array(ids, dtype=numpy.int64),
                "sme": numpy.array([pk in sme for pk in ids], dtype=bool),
                "startup": numpy.array([pk in startup for pk in ids], dtype=bool),
            },
        )
        return self.rows(
            "WITH per AS (SELECT office_id, supplier_id, sum(amount_ore) AS spend FROM summary "
            "WHERE year = ? AND {where} GROUP BY 1, 2) "
            "SELECT office_id, count(*), sum(spend) AS total, "
            "count(*) FILTER (WHERE spend < ?), coalesce(sum(spend) FILTER (WHERE spend < ?), 0), "
            "count(*) FILTER (WHERE sizes.sme), coalesce(sum(spend) FILTER (WHERE sizes.sme), 0), "
            "count(*) FILTER (WHERE sizes.startup), coalesce(sum(spend) FILTER (WHERE sizes.startup), 0) "
            "FROM per LEFT JOIN sizes USING (supplier_id) GROUP BY 1 ORDER BY total DESC, 1",
            year,
            threshold_ore,
            threshold_ore,
        )

    def close(self) -> None:
        self.duck.close()


def share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def nok(ore: int | None) -> float:
    """Øre as a number of the currency, for JSON: 12345 → 123.45."""
    return round((ore or 0) / 100, 2)


def concentration(spends: list[int]) -> dict:
    """Top-10 and top-1 % shares and the HHI of a list of suppliers' spend in øre."""
    ordered = sorted(spends, reverse=True)
    total = sum(ordered)
    top_count = max(1, math.ceil(len(ordered) / 100)) if ordered else 0
    positive = [spend for spend in ordered if spend > 0]
    paid = sum(positive)
    hhi = sum((spend / paid) ** 2 for spend in positive) if paid else 0.0
    return {
        "top10_share": share(sum(ordered[:10]), total),
        "top1pct_share": share(sum(ordered[:top_count]), total),
        "top1pct_suppliers": top_count,
        "hhi": hhi,
        "hhi_points": round(hhi * 10_000, 1),
    }


def group(members, spends: dict[int, int], total: int) -> dict:
    """Suppliers and spend of a group of the year's suppliers, with their shares of all."""
    part = [pk for pk in members if pk in spends]
    spend = sum(spends[pk] for pk in part)
    return {
        "suppliers": len(part),
        "share_suppliers": share(len(part), len(spends)),
        "spend": nok(spend),
        "share_spend": share(spend, total),
    }


def office_row(row: tuple, names: dict[int, str]) -> dict:
    """One office's line of the report: its suppliers and spend, its long tail, SMEs and startups."""
    pk, count, spend, tail, tail_spend, smes, sme_spend, startups, startup_spend = (
        int(value) for value in row
    )

    def part(suppliers: int, part_spend: int) -> dict:
        return {
            "suppliers": suppliers,
            "share_suppliers": share(suppliers, count),
            "spend": nok(part_spend),
            "share_spend": share(part_spend, spend),
        }

    return {
        "office": names.get(pk, ""),
        "office_id": pk,
        "suppliers": count,
        "spend_total": nok(spend),
        "long_tail": part(tail, tail_spend),
        "sme": part(smes, sme_spend),
        "startups": part(startups, startup_spend),
    }


def size_flags(top: Organisation, supplier_ids) -> tuple[set[int], set[int], set[int]]:
    """Which of these suppliers are SMEs and startups, and which have a known size at all.

    Enhetsregisteret's flags decide for a supplier whose number is in it; otherwise the size the
    spend data gave, if any.
    """
    ids = set(supplier_ids)
    by_orgnr: dict[str, int] = {}
    sme, startup, known = set(), set(), set()
    for pk, orgnr, size in Supplier.objects.filter(organisation=top).values_list("pk", "orgnr", "size_class"):
        if pk not in ids:
            continue
        if orgnr:
            by_orgnr[orgnr] = pk
        if size:
            known.add(pk)
            if size in (SizeClass.SME, SizeClass.STARTUP):
                sme.add(pk)
            if size == SizeClass.STARTUP:
                startup.add(pk)
    flags = RegistryEntry.objects.filter(
        orgnr__in=Supplier.objects.filter(organisation=top).exclude(orgnr="").values("orgnr")
    ).values_list("orgnr", "is_sme", "is_startup")
    for orgnr, is_sme, is_startup in flags:
        pk = by_orgnr.get(orgnr)
        if pk is None:
            continue
        known.add(pk)
        sme.discard(pk)
        startup.discard(pk)
        if is_sme or is_startup:
            sme.add(pk)
        if is_startup:
            startup.add(pk)
    return sme, startup, known


def division_labels(divisions) -> dict[str, str]:
    codes = {f"{division}000000": division for division in divisions if division}
    return {codes[code.code8]: code.label() for code in CpvCode.objects.filter(code8__in=list(codes))}


def supplier_base(organisation: Organisation, year: int | None = None, threshold: int | None = None) -> dict:
    """The supplier-base report as the JSON the command and the API print (see the module's docstring)."""
    threshold = default_threshold() if threshold is None else threshold
    top = organisation.top()
    cube = Cube(organisation)
    try:
        year = year or cube.latest_year()
        spends = cube.spends(year)
        lines = cube.lines(year)
        before = cube.suppliers(year - 1)
        sme, startup, known = size_flags(top, spends)
        offices = cube.offices(year, threshold * 100, sme, startup)
        categories = cube.breakdown(year, "category_id")
        divisions = cube.breakdown(year, "cpv_division")
    finally:
        cube.close()
    total = sum(spends.values())
    tail = [spend for spend in spends.values() if spend < threshold * 100]
    office_names = dict(
        Organisation.objects.filter(pk__in=[row[0] for row in offices]).values_list("pk", "name")
    )
    category_names = dict(Category.objects.filter(organisation=top).values_list("pk", "name"))
    labels = division_labels(row[0] for row in divisions)
    largest = sorted(spends.items(), key=lambda item: (-item[1], item[0]))[:TOP_SUPPLIERS]
    names = {
        pk: (name, orgnr)
        for pk, name, orgnr in Supplier.objects.filter(pk__in=[pk for pk, _spend in largest]).values_list(
            "pk", "name", "orgnr"
        )
    }
    return {
        "org": organisation.pk,
        "org_name": organisation.name,
        "orgnr": organisation.orgnr,
        "year": year,
        "currency": currency_of(top),
        "suppliers": len(spends),
        "spend_total": nok(total),
        "lines": lines,
        "long_tail": {
            "threshold": threshold,
            "suppliers": len(tail),
            "share_suppliers": share(len(tail), len(spends)),
            "share_spend": share(sum(tail), total),
            "spend": nok(sum(tail)),
        },
        **concentration(list(spends.values())),
        "new_suppliers": {
            **group([pk for pk in spends if pk not in before], spends, total),
            "previous_year_has_spend": bool(before),
        },
        "sme": group(sme, spends, total),
        "startups": group(startup, spends, total),
        "size_known": group(known, spends, total),
        "by_office": [office_row(row, office_names) for row in offices],
        "by_category": [
            {"category": category_names.get(pk, ""), "suppliers": count, "spend_total": nok(spend)}
            for pk, count, spend in categories
        ],
        "by_cpv_division": [
            {
                "division": division,
                "label": labels.get(division, ""),
                "suppliers": count,
                "spend_total": nok(spend),
            }
            for division, count, spend in divisions
        ],
        "top_suppliers": [
            {
                "name": names.get(pk, ("", ""))[0],
                "orgnr": names.get(pk, ("", ""))[1],
                "spend_total": nok(spend),
                "share_spend": share(spend, total),
            }
            for pk, spend in largest
        ],
        "awards": awards(organisation, year),
    }


def awards(organisation: Organisation, year: int) -> dict:
    """Contract awards to the organisation's suppliers in the year: from imported notices and from Skala.

    Notices name their buyer by organisation number (the organisation's or a unit's); Skala's own
    procurements by the buying organisation. Values are summed in the organisation's currency only;
    awards in other currencies are counted but not added.
    """
    # The procedures app offers no function for this yet: read its two award models directly.
    from skala.procedures.models import Award, NoticeAward

    units = units_of(organisation)
    own = currency_of(organisation.top())
    orgnrs = [
        orgnr for orgnr in Organisation.objects.filter(pk__in=units).values_list("orgnr", flat=True) if orgnr
    ]
    notice_awards = NoticeAward.objects.filter(notice__buyer_orgnr__in=orgnrs).filter(
        Q(awarded_on__year=year) | Q(awarded_on=None, notice__published__year=year)
    )
    skala_awards = Award.objects.filter(procurement__buyer_id__in=units, awarded_on__year=year)
    items = [
        {
            "source": "notice",
            "title": award.notice.title,
            "supplier": award.supplier_name,
            "orgnr": award.supplier_orgnr,
            "value": float(award.value) if award.value is not None else None,
            "currency": award.currency or own,
            "awarded_on": str(award.awarded_on or award.notice.published or "") or None,
            "is_sme": award.is_sme,
        }
        for award in notice_awards.select_related("notice")
    ] + [
        {
            "source": "procurement",
            "title": award.procurement.title,
            "supplier": award.supplier.name,
            "orgnr": award.supplier.orgnr,
            "value": float(award.value),
            "currency": own,
            "awarded_on": str(award.awarded_on),
            "is_sme": None,
        }
        for award in skala_awards.select_related("procurement", "supplier")
    ]
    value = sum(item["value"] or 0 for item in items if item["currency"] == own)
    suppliers = {item["orgnr"] or item["supplier"].casefold() for item in items}
    return {
        "awards": len(items),
        "from_notices": sum(1 for item in items if item["source"] == "notice"),
        "from_procurements": sum(1 for item in items if item["source"] == "procurement"),
        "value": round(value, 2),
        "other_currencies": sum(1 for item in items if item["currency"] != own),
        "suppliers": len(suppliers),
        "sme_awards": sum(1 for item in items if item["is_sme"]),
        "items": sorted(items, key=lambda item: item["awarded_on"] or "", reverse=True)[:50],
    }


# Openings for small suppliers -----------------------------------------------------------------------


@dataclass
class Opening:
    """A category (in an office, when shown) bought from many small suppliers."""

    category: str
    office: str
    suppliers: int
    small_suppliers: int
    spend: int
    small_spend: int
    top_share: float
    hhi: float
    score: float

    @property
    def small_share(self) -> float:
        return share(self.small_suppliers, self.suppliers)

    @property
    def average(self) -> float:
        return self.spend / self.suppliers / 100 if self.suppliers else 0.0

    def why(self, threshold: int, currency: str) -> list[str]:
        """The reasons it ranks where it does, in words."""
        return [
            _("%(small)s of %(suppliers)s suppliers were paid under %(currency)s %(threshold)s in the year")
            % {
                "small": self.small_suppliers,
                "suppliers": self.suppliers,
                "currency": currency,
                "threshold": f"{threshold:,}",
            },
            _("%(currency)s %(average)s a supplier on average")
            % {"currency": currency, "average": f"{self.average:,.0f}"},
            _("the largest supplier has %(top)s %% of the spend (HHI %(hhi)s)")
            % {"top": f"{self.top_share * 100:.0f}", "hhi": f"{self.hhi:.2f}"},
            _("%(currency)s %(spend)s spent in all, %(small)s of it with small suppliers")
            % {
                "currency": currency,
                "spend": f"{self.spend / 100:,.0f}",
                "small": f"{self.small_spend / 100:,.0f}",
            },
        ]

    def as_json(self, rank: int, threshold: int, currency: str, with_office: bool) -> dict:
        data = {
            "rank": rank,
            "category": self.category,
            "suppliers": self.suppliers,
            "small_suppliers": self.small_suppliers,
            "small_share": self.small_share,
            "spend_total": nok(self.spend),
            "small_spend": nok(self.small_spend),
            "average_spend": round(self.average, 2),
            "top_share": self.top_share,
            "hhi": self.hhi,
            "score": round(self.score, 4),
            "why": self.why(threshold, currency),
        }
        if with_office:
            data["office"] = self.office
        return data


def visibility_of(organisation: Organisation) -> str:
    """How much of its openings the organisation (or the nearest one above it that chose) shows the public."""
    chain = organisation.ancestors(include_self=True)
    chosen = dict(
        SpendSettings.objects.filter(organisation__in=chain).values_list(
            "organisation_id", "openings_visibility"
        )
    )
    for node in chain:
        if node.pk in chosen:
            return chosen[node.pk]
    return OpeningsVisibility.CATEGORIES


def find_openings(
    organisation: Organisation,
    year: int | None = None,
    threshold: int | None = None,
    *,
    by_office: bool = True,
) -> list[Opening]:
    """Categories (per office, or across the organisation) bought from many small suppliers, best first.

    A cell qualifies with at least MIN_SUPPLIERS suppliers of whom at least MIN_SMALL_SHARE were
    paid under the threshold (uncategorised spend never qualifies). It ranks by small share ×
    (1 − HHI) × ln(1 + small suppliers) × ln(1 + spend / 100,000): many small suppliers, none
    dominating, and money enough to matter.
    """
    threshold = default_threshold() if threshold is None else threshold
    top = organisation.top()
    categories = dict(Category.objects.filter(organisation=top).values_list("pk", "name"))
    uncategorised = [pk for pk, name in categories.items() if not name] or [0]
    keys = "office_id, category_id" if by_office else "0 AS office_id, category_id"
    cube = Cube(organisation)
    try:
        year = year or cube.latest_year()
        # One row a cell: suppliers, small ones, spend, small spend, the largest spend, and the
        # positive spend and its sum of squares for the HHI (as doubles: øre squared overflow).
        cells = cube.rows(
            f"""
            WITH spend AS (
                SELECT {keys}, supplier_id, sum(amount_ore) AS spend FROM summary
                WHERE year = ? AND {{where}} AND category_id NOT IN ({", ".join(map(str, uncategorised))})
                GROUP BY ALL
            )
            SELECT office_id, category_id, count(*), count(*) FILTER (WHERE spend < ?),
                   sum(spend), coalesce(sum(spend) FILTER (WHERE spend < ?), 0), max(spend),
                   coalesce(sum(spend) FILTER (WHERE spend > 0), 0),
                   coalesce(sum(CAST(spend AS DOUBLE) * spend) FILTER (WHERE spend > 0), 0)
            FROM spend GROUP BY ALL HAVING count(*) >= ?
            """,
            year,
            threshold * 100,
            threshold * 100,
            MIN_SUPPLIERS,
        )
    finally:
        cube.close()
    offices = (
        dict(Organisation.objects.filter(pk__in={cell[0] for cell in cells}).values_list("pk", "name"))
        if by_office
        else {}
    )
    found = []
    for office, category, suppliers, small, spend, small_spend, largest, paid, squares in cells:
        if small < MIN_SMALL_SHARE * suppliers:
            continue
        hhi = squares / paid / paid if paid else 0.0
        score = (
            share(small, suppliers)
            * (1 - hhi)
            * math.log1p(small)
            * math.log1p(max(spend, 0) / 100 / 100_000)
        )
        found.append(
            Opening(
                category=categories.get(category, ""),
                office=offices.get(office, ""),
                suppliers=suppliers,
                small_suppliers=small,
                spend=int(spend),
                small_spend=int(small_spend),
                top_share=share(largest, spend),
                hhi=hhi,
                score=score,
            )
        )
    return sorted(found, key=lambda opening: (-opening.score, opening.category, opening.office))


def openings(
    organisation: Organisation, *, member: bool, year: int | None = None, threshold: int | None = None
) -> dict:
    """The openings as the page and the API show them: members see everything, others what is allowed."""
    visibility = visibility_of(organisation)
    level = OpeningsVisibility.OFFICES if member else visibility
    if year is None:
        cube = Cube(organisation)
        try:
            year = cube.latest_year()
        finally:
            cube.close()
    threshold = default_threshold() if threshold is None else threshold
    currency = currency_of(organisation.top())
    found = (
        []
        if level == OpeningsVisibility.HIDDEN
        else find_openings(organisation, year, threshold, by_office=level == OpeningsVisibility.OFFICES)
    )
    return {
        "org": organisation.pk,
        "org_name": organisation.name,
        "year": year,
        "threshold": threshold,
        "currency": currency,
        "visibility": visibility,
        "level": level,
        "openings": [
            opening.as_json(rank, threshold, currency, level == OpeningsVisibility.OFFICES)
            for rank, opening in enumerate(found, start=1)
        ],
    }
