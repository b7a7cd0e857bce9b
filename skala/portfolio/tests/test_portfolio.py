"""The portfolio: gates that record every decision and refuse what they must, programmes, adoption,
and health with the stopped share and the conversion from pilot to scale."""

import datetime
import io

import pytest
from django.core.management import call_command

from skala.needs.models import JointProcess, Need, NeedStatus, Participant, ParticipantStatus, Visibility
from skala.orgs.models import ApiToken
from skala.portfolio import gates
from skala.portfolio.health import health, projects_for
from skala.portfolio.models import Adoption, Decision, GateDecision, Programme, Project, Stage
from skala.procedures.models import Procurement

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


def project(personas, title="Nattilsyn", stage=Stage.IDEA, owner=None, programme=None) -> Project:
    made = Project.objects.create(
        title=title, stage=stage, stage_since=DAY, programme=programme, budget=1_000_000
    )
    made.owners.set([owner or personas.oslo])
    return made


def test_go_moves_to_the_next_stage_and_records_who_and_why(personas):
    made = project(personas)
    record = gates.decide(
        made, "go", reason="Godt behov", decided_by=personas.owner, evidence="Intervjuer", day=DAY
    )
    made.refresh_from_db()
    assert (made.stage, record.from_stage, record.to_stage) == (Stage.EXPLORATION, "idea", "exploration")
    assert (record.decided_by, record.evidence) == (personas.owner, "Intervjuer")


def test_skipping_a_stage_asks_for_a_reason(personas):
    made = project(personas)
    with pytest.raises(gates.GateError, match="skips a stage: say why"):
        gates.decide(made, "go", reason="Fort", to_stage="pilot", day=DAY)
    gates.decide(
        made, "go", reason="Fort", to_stage="pilot", skip_reason="Løsningen finnes i Sverige", day=DAY
    )
    made.refresh_from_db()
    assert made.stage == Stage.PILOT
    assert "Løsningen finnes i Sverige" in made.decisions.get().reason


def test_stopping_without_lessons_is_refused(personas):
    made = project(personas, stage=Stage.PILOT)
    with pytest.raises(gates.GateError, match="lessons learnt"):
        gates.decide(made, "stop", reason="For dyrt", day=DAY)
    gates.decide(made, "stop", reason="For dyrt", lessons="Start mindre", day=DAY)
    made.refresh_from_db()
    assert (made.stage, made.lessons) == (Stage.STOPPED, "Start mindre")


def test_a_correction_is_a_new_record_pointing_to_the_old_one(personas):
    made = project(personas, stage=Stage.PILOT)
    stop = gates.decide(made, "stop", reason="For dyrt", lessons="x", day=DAY)
    correction = gates.decide(
        made, "go", reason="Feil: budsjett funnet", to_stage="scale_up", corrects=stop, day=DAY
    )
    made.refresh_from_db()
    assert made.stage == Stage.SCALE_UP
    assert correction.corrects == stop
    assert GateDecision.objects.filter(project=made).count() == 2  # history is kept
    with pytest.raises(gates.GateError, match="already corrected"):
        gates.decide(made, "go", reason="x", corrects=stop, day=DAY)


def test_the_gate_knows_the_legal_route_for_the_next_step(client, personas):
    made = project(personas, stage=Stage.EXPLORATION)
    client.force_login(personas.owner)
    page = client.get(f"/en/portfolio/{made.pk}/").text
    assert "R&amp;D exemption" in page
    assert "/en/procedures/advisor/" in page


def test_only_owners_and_the_programmes_facilitator_decide(client, personas):
    made = project(personas)
    client.force_login(personas.other_buyer)
    assert client.get(f"/nb/portfolio/{made.pk}/").status_code == 403
    assert client.post(f"/nb/portfolio/{made.pk}/gate/", {"decision": "go", "reason": "x"}).status_code == 403
    client.force_login(personas.owner)
    client.post(
        f"/nb/portfolio/{made.pk}/gate/", {"decision": "go", "reason": "Godt", "decided_on": "2026-06-01"}
    )
    made.refresh_from_db()
    assert made.stage == Stage.EXPLORATION


def test_health_counts_the_stopped_share_and_the_conversion(personas):
    projects = [project(personas, f"P{n}", stage=Stage.PILOT) for n in range(5)]
    for made in projects[:2]:
        gates.decide(made, "go", reason="Skaler", day=DAY)
    gates.decide(projects[2], "stop", reason="Nei", lessons="Lærdom", day=DAY)
    gates.decide(projects[3], "rework", reason="Mer data", day=DAY)
    figures = health(projects_for(organisation=personas.oslo), start=DAY, end=DAY, today=DAY)
    assert figures.projects == 5
    assert figures.stopped_share == 0.25  # 1 of the 4 with a decision
    assert figures.pilot_to_scale == 0.4  # 2 of 5 pilots reached scale-up
    assert figures.stop_warning == ""
    assert {row["stage"]: row["projects"] for row in figures.per_stage}["scale_up"] == 2


def test_too_few_stops_warn_that_too_little_risk_is_taken(personas):
    projects = [project(personas, f"P{n}") for n in range(12)]
    for made in projects:
        gates.decide(made, "go", reason="Videre", day=DAY)
    figures = health(projects_for(organisation=personas.oslo), start=DAY, end=DAY, today=DAY)
    assert figures.stopped_share == 0.0
    assert "too little risk" in figures.stop_warning


def test_projects_stuck_longer_than_the_limit_are_listed(personas):
    made = project(personas, stage=Stage.PILOT)
    figures = health(
        projects_for(organisation=personas.oslo),
        start=DAY,
        end=DAY,
        stuck_days=100,
        today=DAY + datetime.timedelta(days=101),
    )
    assert [row["id"] for row in figures.stuck] == [made.pk]
    pilots = next(row for row in figures.per_stage if row["stage"] == "pilot")
    assert pilots["average_days_in_stage"] == 101


def test_a_facilitator_builds_a_programme_and_reads_its_health(client, personas):
    client.force_login(personas.facilitator)
    from skala.testing import add_member, make_organisation

    ks = make_organisation("KS", "facilitator")
    add_member(personas.facilitator, ks, "editor")
    response = client.post(
        "/en/portfolio/programmes/new/",
        {
            "name": "Innovasjonsløft",
            "facilitator": ks.pk,
            "members": [personas.oslo.pk, personas.stavanger.pk],
            "starts_on": "2026-01-01",
            "ends_on": "2028-12-31",
            "portfolio_built_by": "2026-06-30",
        },
    )
    programme = Programme.objects.get()
    assert response["Location"] == programme.get_absolute_url()
    stopped = project(personas, "Stoppet", stage=Stage.PILOT, owner=personas.stavanger, programme=programme)
    gates.decide(stopped, "stop", reason="Nei", lessons="Lærdom", day=datetime.date.today())
    page = client.get(programme.get_absolute_url()).text
    assert "Stoppet" in page
    assert "1 of 1 projects with a gate decision in the period were stopped" in page
    assert client.get(f"/en/portfolio/health/?programme={programme.pk}&format=csv").content.startswith(
        b"section,key"
    )
    assert client.get(f"/en/portfolio/health/?programme={programme.pk}&format=pdf").content.startswith(
        b"%PDF"
    )


def test_adoption_is_recorded_for_scaled_solutions_and_shown_by_municipality(client, personas):
    made = project(personas, stage=Stage.PILOT)
    client.force_login(personas.owner)
    client.post(
        f"/en/portfolio/{made.pk}/add/adoption/",
        {"organisation": personas.stavanger.pk, "adopted_on": "2026-07-01"},
    )
    assert not Adoption.objects.exists()  # a pilot is not adopted yet
    gates.decide(made, "go", reason="Skaler", day=DAY)
    client.post(
        f"/en/portfolio/{made.pk}/add/adoption/",
        {"organisation": personas.stavanger.pk, "adopted_on": "2026-07-01"},
    )
    assert Adoption.objects.get().organisation == personas.stavanger
    page = client.get(f"/en/portfolio/adoption/?org={personas.oslo.pk}").text
    assert "Rogaland" in page
    assert "Stavanger" in page


def test_the_api_records_decisions_refuses_mixed_units_and_reports_health(client, personas):
    made = project(personas, stage=Stage.PILOT)
    _token, secret = ApiToken.issue(personas.owner, "test")
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}
    refused = client.post(
        f"/api/v1/portfolio/projects/{made.pk}/decisions",
        {"decision": "stop", "reason": "Nei"},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422
    assert "lessons" in refused.json()["detail"]
    mixed = client.post(
        f"/api/v1/portfolio/projects/{made.pk}/benefits",
        {
            "description": "Spart",
            "expected": {"value": 100, "unit": "nok"},
            "realised": {"value": 5, "unit": "hours"},
        },
        content_type="application/json",
        headers=headers,
    )
    assert mixed.status_code == 422
    figures = client.get("/api/v1/portfolio/health", {"org": personas.oslo.pk}, headers=headers).json()
    assert figures["projects"] == 1
    _other, other_secret = ApiToken.issue(personas.other_buyer, "test")
    denied = client.get(
        "/api/v1/portfolio/health",
        {"org": personas.oslo.pk},
        headers={"Authorization": f"Bearer {other_secret}"},
    )
    assert denied.status_code == 403


def test_the_demo_programme_has_stops_with_lessons_an_adoption_and_a_conversion(client):
    call_command("load_demo", stdout=io.StringIO())
    programme = Programme.objects.get(name__startswith="Demo: Innovasjonsløft")
    assert programme.members.count() == 3
    stopped = programme.projects.filter(stage=Stage.STOPPED)
    assert stopped.count() == 2
    assert all(project.lessons for project in stopped)
    assert Adoption.objects.filter(project__programme=programme).count() == 2
    figures = health(
        projects_for(programme=programme), start=datetime.date(2025, 1, 1), end=datetime.date(2027, 12, 31)
    )
    assert figures.pilot_to_scale == pytest.approx(2 / 4, abs=0.001)
    assert figures.stopped_share == pytest.approx(2 / 7, abs=0.001)  # 2 of the 7 projects with decisions


def test_a_benefit_is_measured_by_a_key_figure_of_the_projects_owner(client, personas):
    from skala.kpis.models import KeyFigure

    made = project(personas, stage=Stage.PILOT)
    mine = KeyFigure.objects.create(owner=personas.oslo, name_nb="Timer frigjort", unit="timer")
    theirs = KeyFigure.objects.create(owner=personas.stavanger, name_nb="Andres tall", unit="timer")
    client.force_login(personas.owner)
    data = {"description": "Færre nattbesøk", "unit": "hours", "baseline": "0", "expected": "6000"}
    client.post(f"/en/portfolio/{made.pk}/add/benefit/", {**data, "key_figure": theirs.pk})
    assert not made.benefits.exists()  # another organisation's figure is not offered
    client.post(f"/en/portfolio/{made.pk}/add/benefit/", {**data, "key_figure": mine.pk})
    assert made.benefits.get().key_figure == mine
    assert mine.get_absolute_url() in client.get(made.get_absolute_url()).text


def test_an_organisations_portfolio_is_its_own_and_its_units_projects(personas):
    """Not a fellow member's project in a shared programme; the programme's runner sees them all."""
    from skala.portfolio.models import Programme
    from skala.testing import make_organisation

    ks = make_organisation("KS", "facilitator")
    shared = Programme.objects.create(
        name="Innovasjonsløft", facilitator=ks, starts_on=DAY, ends_on=DAY.replace(year=2028)
    )
    shared.members.set([personas.oslo, personas.stavanger])
    agency = project(personas, "Sensorer", owner=personas.sykehjemsetaten, programme=shared)
    theirs = project(personas, "Stavangers pilot", owner=personas.stavanger, programme=shared)
    assert set(projects_for(organisation=personas.oslo)) == {agency}
    assert set(projects_for(organisation=personas.stavanger)) == {theirs}
    assert set(projects_for(organisation=ks)) == {agency, theirs}
    assert set(projects_for(programme=shared)) == {agency, theirs}


def test_the_programme_timeline_is_in_the_order_things_happened(personas):
    from skala.portfolio.models import Programme
    from skala.portfolio.views import programme_timeline

    programme = Programme.objects.create(
        name="Løftet",
        facilitator=personas.oslo,
        starts_on=DAY,
        ends_on=DAY.replace(year=2028),
        portfolio_built_by=DAY.replace(month=9),
    )
    made = project(personas, programme=programme)
    gates.decide(made, Decision.GO, reason="Godt", day=DAY.replace(month=7))
    gates.decide(made, Decision.GO, reason="Godt", day=DAY.replace(month=11))
    days = [day for day, _decision in programme_timeline(programme)]
    assert days == sorted(days)
    assert [decision is None for _day, decision in programme_timeline(programme)] == [False, True, False]


def test_a_supplier_takes_part_in_pilots_but_never_owns_one(client, personas):
    client.force_login(personas.supplier)
    assert client.get("/en/portfolio/new/").status_code == 403
    refused = client.post(
        "/en/portfolio/new/", {"title": "Vår egen pilot", "owners": [personas.supplier_org.pk]}
    )
    assert refused.status_code == 403
    assert not Project.objects.filter(title="Vår egen pilot").exists()


def test_the_portfolio_offers_a_new_project_only_to_who_may_make_one(client, personas):
    client.force_login(personas.supplier)
    assert "/en/portfolio/new/" not in client.get("/en/portfolio/").text
    client.force_login(personas.owner)
    assert "/en/portfolio/new/" in client.get("/en/portfolio/").text


def test_the_health_pages_open_on_the_persons_own_organisation_and_offer_the_others(client, personas):
    """Someone who works only in Sykehjemsetaten (a unit of Oslo kommune) gets its pages, not a 404."""
    project(personas, title="Nattilsyn", owner=personas.sykehjemsetaten)
    client.force_login(personas.editor)
    for page in ("health", "leaders", "adoption"):
        response = client.get(f"/en/portfolio/{page}/")
        assert response.status_code == 200, page
        assert "Sykehjemsetaten" in response.text.split("<h1>")[1].split("</h1>")[0]
    client.force_login(personas.colleague)  # a member of Oslo kommune, with its units below
    page = client.get("/en/portfolio/health/").text
    assert "Portfolio health: Oslo kommune" in page
    assert f'href="?org={personas.sykehjemsetaten.pk}"' in page


def test_the_health_pages_say_so_when_there_is_nothing_to_show(client, personas):
    client.force_login(personas.supplier)
    response = client.get("/en/portfolio/health/")
    assert response.status_code == 404
    assert "you are a member of neither yet" in response.text


def test_a_refused_gate_decision_keeps_what_was_typed_and_says_which_field(client, personas):
    made = project(personas, stage=Stage.PILOT)
    client.force_login(personas.owner)
    response = client.post(
        f"/en/portfolio/{made.pk}/gate/",
        {"decision": "go", "reason": "", "evidence": "Intervjuer med 40 brukere", "decided_on": "2026-06-02"},
    )
    assert response.status_code == 400
    assert "Intervjuer med 40 brukere" in response.text  # kept
    assert 'id="id_reason_error"' in response.text  # at the field, by its label in the summary
    stopped = client.post(
        f"/en/portfolio/{made.pk}/gate/",
        {"decision": "stop", "reason": "For dyrt", "decided_on": "2026-06-02"},
    )
    assert stopped.status_code == 400
    assert "lessons learnt" in stopped.text
    assert "For dyrt" in stopped.text
    made.refresh_from_db()
    assert made.stage == Stage.PILOT


def test_the_project_form_offers_the_needs_and_procurements_of_ones_own_organisations_and_processes(
    client, personas
):
    def need(organisation, title):
        return Need.objects.create(
            organisation=organisation, title=title, problem="x", status=NeedStatus.PUBLISHED
        )

    client.force_login(personas.other_buyer, backend="django.contrib.auth.backends.ModelBackend")
    nothing_yet = client.get("/nb/portfolio/new/").context["form"]
    assert "needs" not in nothing_yet.fields
    assert "procurements" not in nothing_yet.fields

    own = need(personas.stavanger, "Stavangers behov")
    joint = need(personas.oslo, "Felles behov")
    Participant.objects.create(
        process=JointProcess.objects.create(need=joint),
        organisation=personas.stavanger,
        role="follower",
        status=ParticipantStatus.ACCEPTED,
    )
    invited_only = need(personas.oslo, "Invitert, ikke svart")
    Participant.objects.create(
        process=JointProcess.objects.create(need=invited_only),
        organisation=personas.stavanger,
        role="partner",
    )
    other = need(personas.oslo, "Oslos eget behov")
    for buyer, title, for_need in (
        (personas.stavanger, "Stavangers anskaffelse", None),
        (personas.oslo, "Den felles anskaffelsen", joint),
        (personas.oslo, "Oslos egen anskaffelse", other),
    ):
        Procurement.objects.create(buyer=buyer, need=for_need, title=title, procedure_type="open")

    form = client.get("/nb/portfolio/new/").context["form"]

    assert list(form.fields["needs"].queryset) == [joint, own]
    assert [p.title for p in form.fields["procurements"].queryset] == [
        "Den felles anskaffelsen",
        "Stavangers anskaffelse",
    ]
    assert form["needs"].field.widget.input_type == "checkbox"


def test_a_project_names_only_the_linked_needs_the_viewer_may_read(client, personas):
    """A facilitator reads every project, not every invited-only need; nor does a buyer that has left the
    need's joint process."""
    shared = Need.objects.create(
        organisation=personas.oslo,
        title="Delt med få",
        problem="x",
        status=NeedStatus.PUBLISHED,
        visibility=Visibility.INVITED,
    )
    open_to_all = Need.objects.create(
        organisation=personas.oslo, title="Åpent behov", problem="x", status=NeedStatus.PUBLISHED
    )
    linked = project(personas)
    linked.needs.set([shared, open_to_all])
    client.force_login(personas.owner)
    assert [need.title for need in client.get(linked.get_absolute_url()).context["needs"]] == [
        "Delt med få",
        "Åpent behov",
    ]
    client.force_login(personas.facilitator)
    page = client.get(linked.get_absolute_url())
    assert "Åpent behov" in page.text
    assert "Delt med få" not in page.text
