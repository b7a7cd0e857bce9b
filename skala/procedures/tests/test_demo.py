"""The demo procurements: the joint innovation partnership and a national competition, each with notices
Skala offers and OCDS that validates; loading twice changes nothing."""

import io

import pytest
from django.core.management import call_command

from skala.orgs.models import User
from skala.procedures import eforms, ocds
from skala.procedures.models import Procurement
from skala.procedures.tests.test_eforms_schema import SDK

pytestmark = pytest.mark.django_db


def test_the_demo_procurements(settings):
    settings.SKALA_EFORMS_SDK = SDK
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    partnership = Procurement.objects.get(title="Demo: innovasjonspartnerskap for digitalt nattilsyn")
    national = Procurement.objects.get(title="Demo: digital oppfølging i hverdagsrehabilitering")
    assert Procurement.objects.count() == 2
    assert partnership.phases.count() == 9
    assert partnership.group_members.filter(group="steering").count() == 2
    assert partnership.group_members.filter(group="project").count() == 1
    assert [option.organisation.name for option in partnership.options.all()] == ["Stavanger kommune"]
    assert eforms.cpv_codes(partnership)[0] == "85310000"
    contact = User.objects.filter(is_staff=False).first()
    assert eforms.draft(partnership, "contract", contact)[0].subtype == "16"
    assert eforms.draft(national, "contract", contact)[0].subtype == "E3"
    document = ocds.release_package([partnership, national], "https://skala.example/demo")
    assert ocds.problems(document) == []


def test_the_demo_needs_meet_real_swedish_notices():
    """Swedish procurements of 2021 in the demo: a Norwegian need shows who in Sweden bought the like."""
    from skala.needs.models import Need
    from skala.needs.services import query_for_need
    from skala.procedures.models import Notice
    from skala.procedures.services import similar_notices

    call_command("load_demo", stdout=io.StringIO())
    assert Notice.objects.filter(buyer_country="SE").count() > 500
    night = Need.objects.get(title="Digitalt nattilsyn i hjemmetjenesten", is_demo=True)
    found = similar_notices(query_for_need(night), top=5)
    assert found
    assert all(item.notice.buyer_country == "SE" and not item.match.why.empty for item in found)
