"""The reference data as JSON: CPV codes and their search, the goals, and the counties and municipalities."""

from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from skala.reference.models import CPV_LANGUAGES, County, CpvCode, Municipality, Sdg

router = Router(tags=["reference"])


class CpvLabels(Schema):
    en: str
    nb: str
    sv: str
    da: str
    fi: str


class CpvOut(Schema):
    code: str
    code8: str
    level: str
    labels: CpvLabels
    parent: str | None
    children: list[str]


class CpvHit(Schema):
    code: str
    code8: str
    level: str
    label: str

    @staticmethod
    def resolve_label(obj: CpvCode, context) -> str:
        return obj.label(context["request"].GET.get("lang", "nb"))


class SdgOut(Schema):
    number: int
    colour: str
    names: dict[str, str]


def find_cpv(code: str) -> CpvCode:
    """Find a code given as 03000000-1 or 03000000; 404 with a message otherwise."""
    code8, _, check = code.strip().partition("-")
    if not (code8.isdigit() and len(code8) == 8) or (check and not (check.isdigit() and len(check) == 1)):
        raise HttpError(
            404,
            f"{code!r} is not a CPV code: expected 8 digits and an optional check digit, as 03000000-1.",
        )
    found = CpvCode.objects.filter(code8=code8).select_related("parent").first()
    if found is None:
        raise HttpError(404, f"CPV code {code} is not in the CPV 2008 vocabulary.")
    if check and check != found.check_digit:
        raise HttpError(404, f"CPV code {code} has the wrong check digit; the code is {found.code}.")
    return found


@router.get("/cpv/{code}", response=CpvOut, summary="One CPV code with its labels, parent and children")
def cpv_detail(request, code: str):
    found = find_cpv(code)
    return {
        "code": found.code,
        "code8": found.code8,
        "level": found.level,
        "labels": found.labels(),
        "parent": found.parent.code if found.parent else None,
        "children": [child.code for child in found.children.order_by("code8")],
    }


@router.get("/cpv", response=list[CpvHit], summary="Search CPV codes by label or code prefix")
@paginate
def cpv_search(request, q: str, lang: str = "nb"):
    if lang not in CPV_LANGUAGES:
        raise HttpError(400, f"lang must be one of {', '.join(CPV_LANGUAGES)}, not {lang!r}.")
    if not q.strip():
        raise HttpError(400, "q must not be empty.")
    return CpvCode.objects.search(q, lang).order_by("code8")


@router.get("/sdgs", response=list[SdgOut], summary="The 17 Sustainable Development Goals")
def sdg_list(request):
    return [
        {
            "number": g.number,
            "colour": g.colour,
            "names": {"en": g.name_en, "nb": g.name_nb, "sv": g.name_sv},
        }
        for g in Sdg.objects.all()
    ]


class MunicipalityOut(Schema):
    id: int
    number: str
    name: str
    orgnr: str


class CountyOut(Schema):
    id: int
    country: str
    number: str
    name: str
    municipalities: list[MunicipalityOut]


@router.get(
    "/places",
    response=list[CountyOut],
    summary="Counties (fylker, län) with their municipalities: the ids that filter needs by place",
)
def place_list(request, country: str = ""):
    """Every county with its municipalities, Norway's and Sweden's; `country` (NO, SE) keeps one."""
    counties = County.objects.order_by("country", "number")
    municipalities = Municipality.objects.order_by("number")
    if country:
        counties = counties.filter(country=country.upper())
        municipalities = municipalities.filter(country=country.upper())
    by_county: dict[int, list] = {}
    for municipality in municipalities:
        by_county.setdefault(municipality.county_id, []).append(municipality)
    return [
        {
            "id": county.pk,
            "country": county.country,
            "number": county.number,
            "name": county.name,
            "municipalities": by_county.get(county.pk, []),
        }
        for county in counties
    ]
