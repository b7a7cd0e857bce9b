"""Small builders for supplier tests: a supplier with a solution, a published need."""

from skala.needs.models import Need, NeedStatus
from skala.needs.services import sync_to_corpus
from skala.reference.models import CpvCode
from skala.suppliers.matching import sync_solution
from skala.suppliers.models import Maturity, Solution
from skala.suppliers.profiles import profile_for


def add_solution(
    organisation, title, description, cpv=(), maturity=Maturity.PILOTED, **profile_fields
) -> Solution:
    profile = profile_for(organisation)
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    profile.save()
    solution = Solution.objects.create(
        profile=profile, title=title, description=description, maturity=maturity
    )
    solution.cpv_codes.set(CpvCode.objects.filter(code8__in=cpv))
    sync_solution(solution)
    return solution


def publish_need(
    organisation, title, problem, cpv=("85310000",), status=NeedStatus.PUBLISHED, **fields
) -> Need:
    need = Need.objects.create(
        organisation=organisation, title=title, problem=problem, status=status, **fields
    )
    need.cpv_codes.set(CpvCode.objects.filter(code8__in=cpv))
    sync_to_corpus(need)
    return need


NIGHT_NEED = (
    "Digitalt nattilsyn i hjemmetjenesten",
    "Nattpatruljen bruker mye tid på fysiske tilsyn hos eldre som sover. "
    "Vi vil ha sensorer som varsler ved fall.",
)
SENSOR_SOLUTION = (
    "Fallsensor for nattilsyn",
    "Sensorer som varsler hjemmetjenesten ved fall og uro om natten, så fysiske tilsyn kan erstattes.",
)
